"""The approvals inbox and line-level decisions.

A decision moves lines from ``pending`` with one conditional UPDATE, so two approvers
deciding the same line at once cannot both win. Rejected lines give back their stock and
points; approved lines capture their points.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import selectinload

from commissary.context import Context
from commissary.errors import Conflict, Forbidden, Invalid, NotFound
from commissary.identity.models import Location, User
from commissary.identity.permissions import Permission, acts_tenant_wide, has_permission
from commissary.inventory import service as inventory
from commissary.locations import tree
from commissary.orders import history, lifecycle
from commissary.orders.models import LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from commissary.payments import service as payments

MAX_REASON = 500


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class LineDecision:
    line_id: int
    decision: Decision
    reason: str = ""


@dataclass(frozen=True)
class InboxRow:
    order: Order
    buyer_name: str
    location_name: str
    pending_lines: int


def _approver(ctx: Context) -> User:
    if ctx.actor is None or not has_permission(ctx.actor, Permission.APPROVALS_DECIDE):
        raise Forbidden("you do not approve orders")
    return ctx.actor


def _scope(actor: User) -> list[ColumnElement[bool]]:
    """Orders this approver may see: all of them, or those of locations they manage."""
    if acts_tenant_wide(actor):
        return []
    return [Order.location_id.in_(tree.managed_by(actor.id))]


def inbox(ctx: Context, *, limit: int = 50, offset: int = 0) -> tuple[list[InboxRow], int]:
    """Orders waiting for this approver, oldest first, in a fixed number of statements."""
    actor = _approver(ctx)
    where = [
        Order.status == OrderStatus.PENDING_APPROVAL,
        Order.user_id != actor.id,
        *_scope(actor),
    ]
    total = ctx.session.scalar(select(func.count()).select_from(Order).where(*where)) or 0
    pending = (
        select(func.count())
        .where(and_(OrderLine.order_id == Order.id, OrderLine.status == LineStatus.PENDING))
        .correlate(Order)
        .scalar_subquery()
    )
    rows = ctx.session.execute(
        select(Order, User.name, func.coalesce(Location.name, ""), pending)
        .join(User, User.id == Order.user_id)
        .outerjoin(Location, Location.id == Order.location_id)
        .where(*where)
        .order_by(Order.submitted_at, Order.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [InboxRow(o, buyer, loc, n) for o, buyer, loc, n in rows], total


def order_to_decide(ctx: Context, order_id: int) -> Order:
    actor = _approver(ctx)
    order = ctx.session.scalar(
        select(Order)
        .options(selectinload(Order.lines))
        .where(Order.id == order_id, *_scope(actor))
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("no such order in your approvals")
    return order


def decide(ctx: Context, order_id: int, decisions: list[LineDecision]) -> Order:
    """Apply line decisions. Lines not named stay pending."""
    actor = _approver(ctx)
    order = order_to_decide(ctx, order_id)
    if order.user_id == actor.id:
        raise Forbidden("you cannot approve your own order")
    if not decisions:
        raise Invalid("name at least one line to approve or reject")
    lines = {line.id: line for line in order.lines}
    seen: set[int] = set()
    for d in decisions:
        if d.line_id not in lines:
            raise NotFound(f"order {order.number} has no line {d.line_id}")
        if d.line_id in seen:
            raise Invalid(f"line {d.line_id} is named twice")
        seen.add(d.line_id)
        if d.decision is Decision.REJECT and not d.reason.strip():
            raise Invalid("say why you reject a line; the buyer sees the reason")
        if len(d.reason) > MAX_REASON:
            raise Invalid(f"a reason has at most {MAX_REASON} characters")
        if lines[d.line_id].status is not LineStatus.PENDING:
            raise Conflict(f"line {lines[d.line_id].sku_code} was already decided")
    for decision in Decision:
        chosen = [d for d in decisions if d.decision is decision]
        for reason in sorted({d.reason.strip() for d in chosen}):
            lifecycle.move_lines(
                ctx,
                [lines[d.line_id] for d in chosen if d.reason.strip() == reason],
                LineStatus.APPROVED if decision is Decision.APPROVE else LineStatus.REJECTED,
                decided_by_id=actor.id,
                decision_reason=reason,
                decided_at=ctx.now,
            )
    approved = [lines[d.line_id] for d in decisions if d.decision is Decision.APPROVE]
    rejected = [lines[d.line_id] for d in decisions if d.decision is Decision.REJECT]
    event_count = ctx.session.scalar(select(func.count()).where(OrderEvent.order_id == order.id))
    payments.settle(
        ctx,
        order.id,
        order.user_id,
        capture=sum(line.line_points for line in approved),
        release=sum(line.line_points for line in rejected),
        key=f"order:{order.id}:decision:{event_count}",
    )
    # After the wallet, as in order submission: one lock order everywhere, no deadlocks.
    inventory.release(ctx.session, ctx.tenant.id, _quantities(rejected))
    statuses = {line.id: line.status for line in order.lines}
    new_status = lifecycle.order_status(statuses.values())
    lifecycle.set_order_status(
        ctx,
        order,
        new_status,
        decided_at=ctx.now if new_status is not OrderStatus.PENDING_APPROVAL else None,
    )
    detail = {
        "status": new_status.value,
        "lines": [
            {"line_id": d.line_id, "status": statuses[d.line_id].value, "reason": d.reason}
            for d in decisions
        ],
    }
    history.record(ctx, order.id, "decided", detail, event={"approver_id": actor.id, **detail})
    ctx.session.flush()
    return order_to_decide(ctx, order.id)


def decide_whole(ctx: Context, order_id: int, decision: Decision, reason: str) -> Order:
    order = order_to_decide(ctx, order_id)
    pending = [line.id for line in order.lines if line.status is LineStatus.PENDING]
    if not pending:
        raise Conflict(f"every line of {order.number} is decided already")
    return decide(ctx, order_id, [LineDecision(i, decision, reason) for i in pending])


def _quantities(lines: list[OrderLine]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for line in lines:
        totals[line.sku_id] = totals.get(line.sku_id, 0) + line.quantity
    return totals


__all__ = ["Decision", "InboxRow", "LineDecision", "decide", "decide_whole", "inbox"]
