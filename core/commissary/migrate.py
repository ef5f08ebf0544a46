"""Alembic, configured from code: one environment, one version table, a branch per plugin.

``version_locations`` come from every *installed* plugin that registers migrations,
enabled for any tenant or not, so revisions applied earlier always resolve.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from commissary.plugins import PluginHost

HERE = Path(__file__).parent
CORE_BRANCH = "core"


def alembic_config(url: str, host: PluginHost | None = None) -> Config:
    host = host or PluginHost()
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("path_separator", "os")
    locations = [str(HERE / "migrations" / "versions"), *(str(m.path) for m in host.migrations)]
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["plugin_host"] = host
    return cfg


def upgrade(url: str, host: PluginHost | None = None) -> None:
    command.upgrade(alembic_config(url, host), "heads")


def pending(engine: Engine, url: str, host: PluginHost | None = None) -> set[str]:
    """Head revisions not yet applied (empty when the database is current)."""
    script = ScriptDirectory.from_config(alembic_config(url, host))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    # A branch that another depends on is recorded only through its dependant, so compare
    # against everything the applied heads include, not against the heads alone.
    applied = {rev.revision for rev in script.iterate_revisions(current, "base") if rev}
    return set(script.get_heads()) - applied
