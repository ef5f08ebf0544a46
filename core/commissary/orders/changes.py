"""Who may change a placed order, and cancelling orders or lines.

The buyer (and whoever placed the order for them) may change or cancel their own order;
so may a manager of the order's location (or of anything above it in the tree) and the
tenant's admins. Everyone else gets a 404, exactly as if the order did not exist.

Cancelling gives everything back in one transaction: a pending line's held points are
released, an approved line's captured points are refunded to the tenders that paid them
(see ``payments.refund``), and the reserved stock returns to the shelf.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from commissary.approvals import steps as approval_steps
from commissary.context import Context
from commissary.errors import Conflict, Invalid, NotFound
from commissary.identity.models import User
from commissary.identity.permissions import Permission, acts_tenant_wide, has_permission
from commissary.inventory import service as inventory
from commissary.locations import tree
from commissary.orders import history, lifecycle
from commissary.orders.models import LineStatus, Order, OrderEvent, OrderLine
from commissary.payments import service as payments

MAX_REASON = 500


def _actor(ctx: Context) -> User:
    if ctx.actor is None:
        raise Invalid("sign in to change an order")
    return ctx.actor


def acts_for_location(ctx: Context, location_id: int | None) -> bool:
    """May the actor act as a manager for orders shipped to ``location_id``?"""
    actor = _actor(ctx)
    if not has_permission(actor, Permission.APPROVALS_DECIDE):
        return False
    if acts_tenant_wide(actor):
        return True
    if location_id is None:
        return False
    managed = ctx.session.scalar(
        select(func.count()).where(tree.managed_by(actor.id).subquery().c.id == location_id)
    )
    return bool(managed)


def order_to_change(ctx: Context, order_id: int) -> Order:
    """The order with its lines, fresh from the database, if the actor may change it."""
    actor = _actor(ctx)
    order = _fresh(ctx, order_id)
    if order is None:
        raise NotFound("no such order")
    if actor.id in (order.user_id, order.placed_by_id):
        return order
    if acts_for_location(ctx, order.location_id):
        return order
    raise NotFound("no such order")


def decision_key(ctx: Context, order_id: int, what: str) -> str:
    """An idempotency key unique to this change of this order (its history position)."""
    count = ctx.session.scalar(select(func.count()).where(OrderEvent.order_id == order_id))
    return f"order:{order_id}:{what}:{count}"


def give_back(
    ctx: Context, order: Order, pending: list[OrderLine], approved: list[OrderLine], key: str
) -> None:
    """Release held points of ``pending``, refund ``approved``, return their stock.

    Wallet first, stock rows last: the same lock order as submission and decisions.
    """
    held = sum(line.line_points for line in pending)
    spent = sum(line.line_points for line in approved)
    payments.settle(ctx, order.id, order.user_id, capture=0, release=held, key=key)
    if spent:
        payments.refund(ctx, order.id, spent, key=f"{key}:refund")
    inventory.release(ctx.session, ctx.tenant.id, lifecycle.units_by_sku([*pending, *approved]))


def cancel(ctx: Context, order_id: int, *, line_ids: list[int] | None, reason: str) -> Order:
    """Cancel the whole order (``line_ids`` None) or some of its lines.

    Only lines not yet in fulfilment can be cancelled; a manager cancelling someone
    else's order must say why (the buyer reads it).
    """
    actor = _actor(ctx)
    order = order_to_change(ctx, order_id)
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise Invalid(f"a reason has at most {MAX_REASON} characters")
    if not reason and actor.id not in (order.user_id, order.placed_by_id):
        raise Invalid("say why you cancel; the buyer sees the reason")
    cancellable = (LineStatus.PENDING, LineStatus.APPROVED)
    if line_ids is None:
        targets = [line for line in order.lines if line.status in cancellable]
        if not targets:
            raise Conflict(
                f"{order.number} is {order.status.value.replace('_', ' ')}; "
                "nothing in it can be cancelled any more"
            )
    else:
        if not line_ids:
            raise Invalid("name at least one line to cancel")
        if len(set(line_ids)) != len(line_ids):
            raise Invalid("a line is named twice")
        lines = {line.id: line for line in order.lines}
        missing = [i for i in line_ids if i not in lines]
        if missing:
            raise NotFound(f"order {order.number} has no line {missing[0]}")
        targets = [lines[i] for i in line_ids]
    pending = [line for line in targets if line.status is LineStatus.PENDING]
    approved = [line for line in targets if line.status is LineStatus.APPROVED]
    key = decision_key(ctx, order.id, "cancel")
    lifecycle.move_lines(
        ctx,
        targets,
        LineStatus.CANCELLED,
        decided_by_id=actor.id,
        decision_reason=reason,
        decided_at=ctx.now,
    )
    approval_steps.cancel_open(ctx, [line.id for line in pending])
    status = lifecycle.sync_order_status(ctx, order)
    detail = {
        "status": status.value,
        "reason": reason,
        "lines": [{"line_id": line.id, "sku_code": line.sku_code} for line in targets],
        "released_points": sum(line.line_points for line in pending),
        "refunded_points": sum(line.line_points for line in approved),
    }
    history.record(ctx, order.id, "cancelled", detail, event={"actor_id": actor.id, **detail})
    give_back(ctx, order, pending, approved, key)
    return reload(ctx, order.id)


def _fresh(ctx: Context, order_id: int) -> Order | None:
    """The order and its lines as the database has them now (objects loaded earlier in
    the session are overwritten: another request or a refund may have changed them)."""
    return ctx.session.scalar(
        select(Order)
        .options(selectinload(Order.lines))
        .where(Order.id == order_id)
        .execution_options(populate_existing=True)
    )


def reload(ctx: Context, order_id: int) -> Order:
    """The order read again after payments expired the session's objects."""
    order = _fresh(ctx, order_id)
    assert order is not None
    return order


__all__ = ["acts_for_location", "cancel", "give_back", "order_to_change"]
