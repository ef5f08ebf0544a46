"""Core plugin: the payments branch of migrations, the payment routes and the payment
policy page.

Core payment tables beyond ``payments`` (attempts, the tenant policy, the tender columns)
live in their own Alembic branch ``payments`` so that they never fork the core branch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from commissary.hookspecs import hookimpl
from commissary.hooktypes import MenuLink, MigrationSource, PluginRoutes

if TYPE_CHECKING:
    from commissary.context import Context

HERE = Path(__file__).parent


@hookimpl
def register_migrations() -> MigrationSource:
    return MigrationSource(branch_label="payments", path=HERE / "migrations" / "versions")


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary.payments import api, pages

    return PluginRoutes(api=api.router, pages=pages.router)


@hookimpl
def menu_links(ctx: Context) -> list[MenuLink]:
    from commissary.identity.permissions import Permission, has_permission

    if ctx.actor is None or not has_permission(ctx.actor, Permission.PLUGINS_MANAGE):
        return []
    return [MenuLink("Payment policy", f"/t/{ctx.tenant.slug}/payments/policy", "manage")]
