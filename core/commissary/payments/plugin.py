"""Core plugin: the payments branch of migrations and the payment routes.

Core payment tables beyond ``payments`` (attempts, the tenant policy, the tender columns)
live in their own Alembic branch ``payments`` so that they never fork the core branch.
"""

from __future__ import annotations

from pathlib import Path

from commissary.hookspecs import hookimpl
from commissary.hooktypes import MigrationSource, PluginRoutes

HERE = Path(__file__).parent


@hookimpl
def register_migrations() -> MigrationSource:
    return MigrationSource(branch_label="payments", path=HERE / "migrations" / "versions")


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary.payments import api

    return PluginRoutes(api=api.router)
