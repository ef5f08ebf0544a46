"""Which notifications each domain event causes, and for whom."""

from __future__ import annotations

from typing import Any

from commissary.context import Context
from commissary.notifications import service
from commissary.orders.models import OrderStatus


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
        buyer = {"name": buyers[0].name, "email": buyers[0].email}
        sent += service.send(
            ctx,
            "approval_requested",
            service.approvers_of(ctx, order),
            {**variables, "buyer": buyer},
            "order_submitted",
        )
    return sent


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
    variables = {k: event.get(k) for k in ("budget_id", "percent", "spent", "amount")}
    ids = [i for i in event.get("user_ids") or [] if isinstance(i, int)]
    return service.send(
        ctx, "budget_threshold", service.users(ctx, ids), variables, "budget_threshold"
    )
