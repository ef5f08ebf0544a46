"""Notifications, a core plugin: domain events become messages for people.

For each domain event the worker delivers, this plugin decides who is told (buyer,
approvers of the order, the person who got points ...), skips what people muted,
renders the tenant's template (or the shipped default) in Jinja2's sandbox and emits one
``notification`` event per person. Channel plugins (``plugins/notifications/email``)
deliver those through ``on_notification``. Tenant admins edit templates in the pages
and the API; reminder jobs run in the worker. Tables: Alembic branch ``notifications``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from commissary.hookspecs import hookimpl
from commissary.hooktypes import MenuLink, MigrationSource, PluginRoutes

if TYPE_CHECKING:
    from commissary.context import Context
    from commissary.jobs.schedule import ScheduledJob

HERE = Path(__file__).parent


@hookimpl
def register_migrations() -> MigrationSource:
    return MigrationSource(branch_label="notifications", path=HERE / "migrations" / "versions")


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary.notifications import api, pages

    return PluginRoutes(api=api.router, pages=pages.router)


@hookimpl
def register_template_dirs() -> list[str]:
    return [str(HERE / "templates")]


@hookimpl
def register_jobs() -> list[ScheduledJob]:
    from commissary.jobs.schedule import ScheduledJob
    from commissary.notifications.digest import send_digests
    from commissary.notifications.reminders import remind_waiting_approvals

    return [
        ScheduledJob("approval_reminders", 15 * 60, remind_waiting_approvals),
        ScheduledJob("digests", 15 * 60, send_digests),
    ]


@hookimpl
def menu_links(ctx: Context) -> list[MenuLink]:
    from commissary.identity.permissions import Permission, has_permission

    base = f"/t/{ctx.tenant.slug}/notifications"
    links = [MenuLink("Notifications", f"{base}/preferences")]
    if ctx.actor is not None and has_permission(ctx.actor, Permission.PLUGINS_MANAGE):
        links.append(MenuLink("Message templates", f"{base}/templates", "manage"))
    return links


@hookimpl
def on_order_submitted(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.order_submitted(ctx, event)


@hookimpl
def on_order_decided(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.order_decided(ctx, event)


@hookimpl
def on_order_cancelled(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.order_cancelled(ctx, event)


@hookimpl
def on_order_amended(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.order_amended(ctx, event)


@hookimpl
def on_order_shipped(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.order_shipped(ctx, event)


@hookimpl
def on_approval_escalated(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.approval_escalated(ctx, event)


@hookimpl
def on_stock_low(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.stock_low(ctx, event)


@hookimpl
def on_points_granted(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.points_granted(ctx, event)


@hookimpl
def on_approval_waiting(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.approval_waiting(ctx, event)


@hookimpl
def on_points_expiring(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.points_expiring(ctx, event)


@hookimpl
def on_budget_threshold(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.budget_threshold(ctx, event)


@hookimpl
def on_points_expired(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.points_expired(ctx, event)


@hookimpl
def on_sync_failed(ctx: Context, event: dict[str, Any]) -> None:
    from commissary.notifications import events

    events.sync_failed(ctx, event)
