"""Alembic environment shared by the core and every plugin branch.

Autogenerate works one branch at a time: ``COMMISSARY_AUTOGEN_PLUGIN=<name>`` limits it
to tables tagged ``info={"plugin": name}``; unset, to the core's untagged tables.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from typing import Any, Literal

from alembic import context
from sqlalchemy import engine_from_config, pool

import commissary.models  # noqa: F401  (registers the core tables)
from commissary.db import Base, UTCDateTime
from commissary.plugins import PluginHost

config = context.config
host: PluginHost | None = config.attributes.get("plugin_host")
for info in host.info.values() if host else []:
    if not info.core:
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(f"{info.module}.models")

AUTOGEN_PLUGIN = os.environ.get("COMMISSARY_AUTOGEN_PLUGIN") or None


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if (name or "").startswith("product_search"):
        return False  # the full-text index (c0003) is the database's own machinery
    if type_ != "table":
        table = getattr(obj, "table", None)
        info = getattr(table, "info", {}) if table is not None else {}
    else:
        info = getattr(obj, "info", {})
    return info.get("plugin") == AUTOGEN_PLUGIN


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write the portable column type into revisions, not the core's Python wrapper."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
