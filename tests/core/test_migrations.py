"""Migrations: every installed branch applies, and the models match the schema exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import commissary.models  # noqa: F401
import commissary_allowance.models  # noqa: F401
from commissary.db import Base, Database
from commissary.migrate import alembic_config, pending
from commissary.plugins import PluginHost


def test_database_is_at_every_head_after_upgrade(commissary_database: Database) -> None:
    assert pending(commissary_database.engine, commissary_database.url) == set()


def test_each_plugin_has_its_own_branch() -> None:
    """register_migrations: the allowance plugin's revisions join the one environment."""
    host = PluginHost()
    assert {"allowance", "payments"} <= {m.branch_label for m in host.migrations}
    script = ScriptDirectory.from_config(alembic_config("sqlite://", host))
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    assert {"core", "allowance"} <= labels
    assert len(script.get_heads()) == len(labels)  # one head per branch


def _not_search_machinery(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """The full-text index (FTS5 tables, the tsvector column) lives outside the models."""
    return not (name or "").startswith(("product_search", "ix_products_search")) and not (
        type_ == "column" and name == "search_vector"
    )


def test_models_and_migrations_agree(commissary_database: Database) -> None:
    with commissary_database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _not_search_machinery}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
