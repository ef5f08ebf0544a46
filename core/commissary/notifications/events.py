"""Which notifications each domain event causes, and for whom."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.identity.models import Location, Role, User
from commissary.identity.permissions import Permission, has_permission
from commissary.notifications import service
from commissary.orders.models import Order, OrderLine, OrderStatus


def order_submitted(ctx: Context, event: dict[str, Any]) -> int:
    if not service.has_channels(ctx):
        return 0  # no channel enabled here: nothing to look up or render
    order = service.order_or_none(ctx, event.get("order_id"))
    if order is None:
        return 0
    buyers = service.users(ctx, [order.user_id])
    variables = {"order": service.order_vars(ctx, order)}
    sent = service.send(ctx, "order_submitted", buyers, variables, "order_submitted")
    if order.status is OrderStatus.PENDING_APPROVAL and buyers:
        sent += _ask_approvers(ctx, order, buyers[0], variables, "order_submitted")
    return sent


def _ask_approvers(
    ctx: Context, order: Order, buyer: User, variables: dict[str, Any], source: str
) -> int:
    """``approval_requested`` to whoever decides ``order`` now (see ``approvers_of``)."""
    return service.send(
        ctx,
        "approval_requested",
        service.approvers_of(ctx, order),
        {**variables, "buyer": {"name": buyer.name, "email": buyer.email}},
        source,
    )


def order_decided(ctx: Context, event: dict[str, Any]) -> int:
    if not service.has_channels(ctx):
        return 0  # no channel enabled here: nothing to look up or render
    order = service.order_or_none(ctx, event.get("order_id"))
    if order is None:
        return 0
    lines = [
        {"line_id": line.get("line_id"), "status": line.get("status"), "reason": line.get("reason")}
        for line in event.get("lines") or []
        if isinstance(line, dict)
    ]
    return service.send(
        ctx,
        "order_decided",
        service.users(ctx, [order.user_id]),
        {"order": service.order_vars(ctx, order), "lines": lines},
        "order_decided",
    )


def _someone_else(ctx: Context, order_id: Any, actor_id: Any) -> tuple[Any, str] | None:
    """The order and the actor's name when the actor is not the buyer (nor placed it)."""
    order = service.order_or_none(ctx, order_id)
    if order is None or actor_id in (order.user_id, order.placed_by_id):
        return None
    actors = service.users(ctx, [actor_id] if isinstance(actor_id, int) else [])
    return order, (actors[0].name if actors else "Someone")


def order_cancelled(ctx: Context, event: dict[str, Any]) -> int:
    """The buyer learns when someone else cancelled their order or lines, and why."""
    if not service.has_channels(ctx):
        return 0
    found = _someone_else(ctx, event.get("order_id"), event.get("actor_id"))
    if found is None:
        return 0
    order, name = found
    lines = [
        {"line_id": x.get("line_id"), "sku_code": str(x.get("sku_code") or "")}
        for x in event.get("lines") or []
        if isinstance(x, dict)
    ]
    points = int(event.get("released_points") or 0) + int(event.get("refunded_points") or 0)
    variables = {
        "order": service.order_vars(ctx, order),
        "lines": lines,
        "reason": str(event.get("reason") or ""),
        "cancelled_by": name,
        "points": points,
    }
    buyers = service.users(ctx, [order.user_id])
    return service.send(ctx, "order_cancelled", buyers, variables, "order_cancelled")


def order_amended(ctx: Context, event: dict[str, Any]) -> int:
    """The buyer learns of changes made by someone else; approvers of a change that
    waits for them are asked, as for a new order."""
    if not service.has_channels(ctx):
        return 0
    order = service.order_or_none(ctx, event.get("order_id"))
    if order is None:
        return 0
    variables: dict[str, Any] = {"order": service.order_vars(ctx, order)}
    sent = 0
    actor_id = event.get("actor_id")
    found = _someone_else(ctx, order.id, actor_id)
    if found is not None:
        lines = [
            {
                "line_id": x.get("line_id"),
                "sku_code": str(x.get("sku_code") or ""),
                "from": x.get("from"),
                "to": x.get("to"),
            }
            for x in event.get("lines") or []
            if isinstance(x, dict)
        ]
        sent += service.send(
            ctx,
            "order_amended",
            service.users(ctx, [order.user_id]),
            {
                **variables,
                "version": int(event.get("version") or 0),
                "note": str(event.get("note") or ""),
                "changed_by": found[1],
                "lines": lines,
                "ship_to_changed": bool(event.get("location")),
            },
            "order_amended",
        )
    if event.get("approval") and order.status is OrderStatus.PENDING_APPROVAL:
        buyers = service.users(ctx, [order.user_id])
        if buyers:
            sent += _ask_approvers(ctx, order, buyers[0], variables, "order_amended")
    return sent


def order_shipped(ctx: Context, event: dict[str, Any]) -> int:
    """The buyer learns what left the warehouse, with the carrier and tracking number."""
    if not service.has_channels(ctx):
        return 0
    order = service.order_or_none(ctx, event.get("order_id"))
    if order is None:
        return 0
    described = {
        line.id: line.description
        for line in ctx.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
    }
    lines = [
        {
            "quantity": int(x.get("quantity") or 0),
            "description": described.get(int(x.get("line_id") or 0), ""),
        }
        for x in event.get("lines") or []
        if isinstance(x, dict)
    ]
    variables = {
        "order": {**service.order_vars(ctx, order), "status": str(event.get("order_status"))},
        "carrier": str(event.get("carrier") or ""),
        "tracking_number": str(event.get("tracking_number") or ""),
        "lines": lines,
    }
    return service.send(
        ctx, "order_shipped", service.users(ctx, [order.user_id]), variables, "order_shipped"
    )


def approval_escalated(ctx: Context, event: dict[str, Any]) -> int:
    """The person (or role) the step moved to is asked, as for a new approval."""
    if not service.has_channels(ctx):
        return 0
    order = service.order_or_none(ctx, event.get("order_id"))
    if order is None:
        return 0
    to_user, to_role = event.get("to_user_id"), event.get("to_role")
    if isinstance(to_user, int):
        people = service.users(ctx, [to_user])
    elif isinstance(to_role, str):
        everyone = ctx.session.scalars(select(User).where(User.is_active.is_(True)))
        people = [u for u in everyone if to_role in u.roles]
    else:
        return 0
    buyers = service.users(ctx, [order.user_id])
    variables = {
        "order": service.order_vars(ctx, order),
        "buyer": {"name": buyers[0].name if buyers else ""},
        "days": int(event.get("days") or 0),
        "level": int(event.get("level") or 1),
    }
    people = [u for u in people if u.id != order.user_id]
    return service.send(ctx, "approval_escalated", people, variables, "approval_escalated")


def stock_low(ctx: Context, event: dict[str, Any]) -> int:
    """Whoever manages stock here hears that a SKU reached its low-stock threshold."""
    if not service.has_channels(ctx):
        return 0
    sku_id = event.get("sku_id")
    found = (
        ctx.session.execute(
            select(Sku.code, Product.name, Sku.size, Sku.colour)
            .join(Product, Product.id == Sku.product_id)
            .where(Sku.id == sku_id)
        ).first()
        if isinstance(sku_id, int)
        else None
    )
    if found is None:
        return 0
    code, name, size, colour = found
    label = " / ".join(x for x in (size, colour) if x)
    everyone = ctx.session.scalars(select(User).where(User.is_active.is_(True)))
    people = [u for u in everyone if has_permission(u, Permission.STOCK_MANAGE)]
    variables = {
        "sku": {"code": code, "name": f"{name} — {label}" if label else name},
        "available": int(event.get("available") or 0),
        "threshold": int(event.get("threshold") or 0),
    }
    return service.send(ctx, "stock_low", people, variables, "stock_low")


def points_granted(ctx: Context, event: dict[str, Any]) -> int:
    if not service.has_channels(ctx):
        return 0  # no channel enabled here: nothing to look up or render
    ids = [i for i in (event.get("user_id"), event.get("granted_by")) if isinstance(i, int)]
    people = {u.id: u for u in service.users(ctx, ids)}
    user = people.get(event.get("user_id") or 0)
    if user is None:
        return 0
    granter = people.get(event.get("granted_by") or 0)
    variables = {
        "points": int(event.get("points") or 0),
        "reason": str(event.get("reason") or ""),
        "granted_by": granter.name if granter else "",
    }
    return service.send(ctx, "points_granted", [user], variables, "points_granted")


def approval_waiting(ctx: Context, event: dict[str, Any]) -> int:
    if not service.has_channels(ctx):
        return 0  # no channel enabled here: nothing to look up or render
    order = service.order_or_none(ctx, event.get("order_id"))
    if order is None or order.status is not OrderStatus.PENDING_APPROVAL:
        return 0  # decided since the reminder was queued
    ids = [i for i in event.get("approver_ids") or [] if isinstance(i, int)]
    buyers = service.users(ctx, [order.user_id])
    variables = {
        "order": service.order_vars(ctx, order),
        "days": int(event.get("days") or 0),
        "buyer": {"name": buyers[0].name if buyers else "", "email": ""},
    }
    return service.send(
        ctx, "approval_reminder", service.users(ctx, ids), variables, "approval_waiting"
    )


def points_expiring(ctx: Context, event: dict[str, Any]) -> int:
    if not service.has_channels(ctx):
        return 0  # no channel enabled here: nothing to look up or render
    variables = {k: event.get(k) for k in ("points", "days", "expires_at", "lot_id")}
    user_id = event.get("user_id")
    people = service.users(ctx, [user_id] if isinstance(user_id, int) else [])
    return service.send(ctx, "points_expiring", people, variables, "points_expiring")


def budget_threshold(ctx: Context, event: dict[str, Any]) -> int:
    if not service.has_channels(ctx):
        return 0  # no channel enabled here: nothing to look up or render
    variables = {k: event.get(k) for k in ("budget_id", "percent", "spent", "amount", "period")}
    location_id = event.get("location_id")
    location = ctx.session.get(Location, location_id) if isinstance(location_id, int) else None
    variables["location"] = location.name if location is not None else ""
    ids = [i for i in event.get("user_ids") or [] if isinstance(i, int)]
    return service.send(
        ctx, "budget_threshold", service.users(ctx, ids), variables, "budget_threshold"
    )


def points_expired(ctx: Context, event: dict[str, Any]) -> int:
    """The owner of the lot hears how many points expired."""
    if not service.has_channels(ctx):
        return 0
    user_id = event.get("user_id")
    people = service.users(ctx, [user_id] if isinstance(user_id, int) else [])
    expired_at = str(event.get("expired_at") or "")
    variables = {
        "points": int(event.get("points") or 0),
        "expired_on": expired_at[:10],
        "lot_id": event.get("lot_id"),
        # A renewal forfeited points above the program's rollover cap (not a lot's date).
        "above_cap": event.get("cause") == "rollover_cap",
    }
    return service.send(ctx, "points_expired", people, variables, "points_expired")


# A source that keeps failing mails each admin at most this often (the event itself still
# reaches webhooks and other plugins every time).
SYNC_FAILURE_QUIET_HOURS = 1


def sync_failed(ctx: Context, event: dict[str, Any]) -> int:
    """The tenant admins hear that a sync failed, once per source and hour each."""
    from commissary.notifications.reminders import claim_reminder

    if not service.has_channels(ctx):
        return 0
    source = str(event.get("source") or "sync")
    failed_at = str(event.get("failed_at") or ctx.now.isoformat())
    everyone = ctx.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.id))
    admins = [u for u in everyone if u.has_role(Role.TENANT_ADMIN)]
    hour = ctx.now.strftime("%Y-%m-%dT%H")
    told = [
        u
        for u in admins
        if claim_reminder(
            ctx.session, ctx.tenant.id, "sync_failed", u.id, f"sync:{source}"[:120], hour
        )
    ]
    variables = {
        "source": source,
        "detail": str(event.get("detail") or ""),
        "failed_at": failed_at[:16].replace("T", " ") + " UTC",
    }
    return service.send(ctx, "sync_failed", told, variables, "sync_failed")
