"""Signed outbound webhooks for Commissary events.

Tenant admins register endpoints (URL, topics) on the **Webhooks** pages or through the
API; every subscribed domain event is POSTed as JSON with an HMAC-SHA256 signature and a
timestamp header, retried with the outbox's backoff until the endpoint answers 2xx, and
logged per attempt. Addresses are checked against private ranges unless the operator
allows them (``COMMISSARY_WEBHOOKS_ALLOWED_NETWORKS``), and the connection goes to the
address checked. Signing secrets are stored encrypted. Tables: Alembic branch ``webhooks``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commissary import (
    Context,
    MenuLink,
    MigrationSource,
    Permission,
    PluginRoutes,
    ScheduledJob,
    has_permission,
    hookimpl,
)

HERE = Path(__file__).parent


@hookimpl
def register_migrations() -> MigrationSource:
    return MigrationSource(branch_label="webhooks", path=HERE / "migrations" / "versions")


@hookimpl
def register_routes() -> PluginRoutes:
    from commissary_webhooks import api, pages

    return PluginRoutes(api=api.router, pages=pages.router)


@hookimpl
def register_template_dirs() -> list[str]:
    return [str(HERE / "templates")]


@hookimpl
def menu_links(ctx: Context) -> list[MenuLink]:
    if ctx.actor is not None and has_permission(ctx.actor, Permission.PLUGINS_MANAGE):
        return [MenuLink("Webhooks", f"/t/{ctx.tenant.slug}/webhooks", "manage")]
    return []


@hookimpl
def register_jobs() -> list[ScheduledJob]:
    """After a key rotation, re-encrypt the signing secrets with the new key (hourly)."""

    def rekey(db: Any, host: Any) -> int:
        from commissary_webhooks.service import rekey_all

        with db.transaction() as session:
            return rekey_all(session)

    return [ScheduledJob("webhook_secret_rekey", 3600, rekey)]


def _deliver(ctx: Context, topic: str, event: dict[str, Any]) -> None:
    from commissary_webhooks.service import deliver

    deliver(ctx, topic, event)


@hookimpl
def on_order_submitted(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "order_submitted", event)


@hookimpl
def on_order_decided(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "order_decided", event)


@hookimpl
def on_order_cancelled(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "order_cancelled", event)


@hookimpl
def on_order_amended(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "order_amended", event)


@hookimpl
def on_order_shipped(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "order_shipped", event)


@hookimpl
def on_order_delivered(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "order_delivered", event)


@hookimpl
def on_approval_escalated(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "approval_escalated", event)


@hookimpl
def on_stock_low(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "stock_low", event)


@hookimpl
def on_points_granted(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "points_granted", event)


@hookimpl
def on_approval_waiting(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "approval_waiting", event)


@hookimpl
def on_points_expiring(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "points_expiring", event)


@hookimpl
def on_budget_threshold(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "budget_threshold", event)


@hookimpl
def on_points_expired(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "points_expired", event)


@hookimpl
def on_sync_failed(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "sync_failed", event)


@hookimpl
def on_user_invited(ctx: Context, event: dict[str, Any]) -> None:
    _deliver(ctx, "user_invited", event)
