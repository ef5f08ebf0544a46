"""Approval decisions: the single entry point that moves approval steps and order lines.

A decision approves or rejects lines at their current level. An approval at a level that
is not the line's last opens the next level and leaves the line ``pending``; the last
level's approval moves it to ``approved`` and captures its points. A rejection at any
level rejects the line and gives back its stock and points. An approval may keep fewer
units than ordered (partial quantity): the line shrinks and the difference's points and
stock are released. Steps and lines move with conditional UPDATEs, so two approvers
deciding the same line at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from commissary.approvals import steps as approval_steps
from commissary.approvals.inbox import InboxFilters, InboxRow, approver, inbox
from commissary.approvals.models import ApprovalStep, StepStatus
from commissary.context import Context
from commissary.errors import Conflict, Forbidden, Invalid, NotFound
from commissary.identity.models import Location, User
from commissary.identity.permissions import acts_tenant_wide
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
    # Approve only this many units (fewer than ordered); None: the whole line.
    quantity: int | None = None


def order_to_decide(ctx: Context, order_id: int) -> Order:
    """The order, when a step of it waits (or waited) for the actor; 404 otherwise, so
    an approver learns nothing about orders that are not theirs."""
    actor = approver(ctx)
    order = _load(ctx, order_id)
    if order.user_id == actor.id or approval_steps.overrides(actor):
        return order
    acting = approval_steps.acting_for(ctx, actor.id).scalar_subquery()
    involved = ctx.session.scalar(
        select(ApprovalStep.id)
        .where(
            ApprovalStep.order_id == order.id,
            (ApprovalStep.approver_user_id.in_(acting))
            | (ApprovalStep.approver_role.in_(list(actor.roles)))
            | (ApprovalStep.decided_by_id == actor.id),
        )
        .limit(1)
    )
    if involved is None and not (
        unstepped_lines(ctx, order) and may_decide_unstepped(ctx, actor, order)
    ):
        raise NotFound("no such order in your approvals")
    return order


def _load(ctx: Context, order_id: int) -> Order:
    order = ctx.session.scalar(
        select(Order)
        .options(selectinload(Order.lines))
        .where(Order.id == order_id)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound("no such order in your approvals")
    return order


def unstepped_lines(
    ctx: Context, order: Order, steps: list[ApprovalStep] | None = None
) -> set[int]:
    """Pending lines without open or waiting steps (see :func:`inbox.unstepped`)."""
    found = steps if steps is not None else approval_steps.of_order(ctx, order.id)
    active = {s.line_id for s in found if s.status in (StepStatus.OPEN, StepStatus.WAITING)}
    return {line.id for line in order.lines if line.status is LineStatus.PENDING} - active


def may_decide_unstepped(ctx: Context, actor: User, order: Order) -> bool:
    """Lines without steps are decided as before the rule engine: by tenant-wide
    approvers, or by managers of the order's location (up the tree)."""
    if acts_tenant_wide(actor):
        return True
    if order.location_id is None:
        return False
    managed = ctx.session.scalar(
        select(func.count()).where(
            Location.id == order.location_id, Location.id.in_(tree.managed_by(actor.id))
        )
    )
    return bool(managed)


def decide(ctx: Context, order_id: int, decisions: list[LineDecision]) -> Order:
    """Apply line decisions at each line's current level. Lines not named stay as they are."""
    actor = approver(ctx)
    order = order_to_decide(ctx, order_id)
    if order.user_id == actor.id:
        raise Forbidden("you cannot approve your own order")
    if getattr(order, "placed_by_id", None) == actor.id:
        raise Forbidden("you placed this order for someone; another approver decides it")
    if not decisions:
        raise Invalid("name at least one line to approve or reject")
    lines = {line.id: line for line in order.lines}
    _check(decisions, lines)
    steps_of: dict[int, list[ApprovalStep]] = {}
    for step in approval_steps.of_order(ctx, order.id):
        steps_of.setdefault(step.line_id, []).append(step)
    acting = {actor.id} | approval_steps.delegators(ctx, actor)
    bare = unstepped_lines(ctx, order, [s for group in steps_of.values() for s in group])
    if bare & {d.line_id for d in decisions} and not may_decide_unstepped(ctx, actor, order):
        raise Forbidden("these lines wait for their location's manager")
    mine: dict[int, list[ApprovalStep]] = {}
    for d in decisions:
        chosen = [
            s for s in steps_of.get(d.line_id, []) if approval_steps.may_decide(s, actor, acting)
        ]
        if not chosen and d.line_id not in bare:
            raise Forbidden(f"line {lines[d.line_id].sku_code} waits for another approver")
        mine[d.line_id] = chosen

    reduced, released_units = _reduce(ctx, order, lines, decisions)
    approved: list[OrderLine] = []
    rejected: list[OrderLine] = []
    moved_on: dict[int, int] = {}
    for d in decisions:
        line, chosen = lines[d.line_id], mine[d.line_id]
        behalf = next(
            (s.approver_user_id for s in chosen if s.approver_user_id not in (None, actor.id)),
            None,
        )
        stamp = {"decided_by_id": actor.id, "decided_at": ctx.now}
        if d.decision is Decision.REJECT:
            approval_steps.set_status(
                ctx, chosen, StepStatus.REJECTED, on_behalf_of_id=behalf, **stamp
            )
            rest = [
                s for s in steps_of[d.line_id] if s.status in (StepStatus.OPEN, StepStatus.WAITING)
            ]
            approval_steps.set_status(ctx, rest, StepStatus.CANCELLED)
            rejected.append(line)
            continue
        approval_steps.set_status(ctx, chosen, StepStatus.APPROVED, on_behalf_of_id=behalf, **stamp)
        left = [s for s in steps_of.get(d.line_id, []) if s.status is StepStatus.OPEN]
        if left:
            continue  # other approvers of the same level still have to agree
        waiting = [s for s in steps_of.get(d.line_id, []) if s.status is StepStatus.WAITING]
        if waiting:
            nxt = min(s.level for s in waiting)
            approval_steps.set_status(
                ctx, [s for s in waiting if s.level == nxt], StepStatus.OPEN, opened_at=ctx.now
            )
            moved_on[d.line_id] = nxt
        else:
            approved.append(line)
    by_id = {d.line_id: d for d in decisions}
    for target, group in ((LineStatus.APPROVED, approved), (LineStatus.REJECTED, rejected)):
        for reason in sorted({by_id[line.id].reason.strip() for line in group}):
            lifecycle.move_lines(
                ctx,
                [line for line in group if by_id[line.id].reason.strip() == reason],
                target,
                decided_by_id=actor.id,
                decision_reason=reason,
                decided_at=ctx.now,
            )
    event_count = ctx.session.scalar(select(func.count()).where(OrderEvent.order_id == order.id))
    payments.settle(
        ctx,
        order.id,
        order.user_id,
        capture=sum(line.line_points for line in approved),
        release=sum(line.line_points for line in rejected) + sum(reduced.values()),
        key=f"order:{order.id}:decision:{event_count}",
    )
    # After the wallet, as in order submission: one lock order everywhere, no deadlocks.
    returned = lifecycle.units_by_sku(rejected)
    for sku_id, units in released_units.items():
        returned[sku_id] = returned.get(sku_id, 0) + units
    inventory.release(ctx.session, ctx.tenant.id, returned)
    new_status = lifecycle.order_status(line.status for line in order.lines)
    lifecycle.set_order_status(
        ctx,
        order,
        new_status,
        decided_at=ctx.now if new_status is not OrderStatus.PENDING_APPROVAL else None,
    )
    detail = _detail(order, decisions, lines, mine, moved_on, reduced, new_status)
    # The event keeps its documented shape (on_order_decided); the history has the rest.
    event = {
        "approver_id": actor.id,
        "status": new_status.value,
        "lines": [{k: x[k] for k in ("line_id", "status", "reason")} for x in detail["lines"]],
    }
    history.record(ctx, order.id, "decided", detail, event=event)
    ctx.session.flush()
    return _load(ctx, order.id)


def _check(decisions: list[LineDecision], lines: dict[int, OrderLine]) -> None:
    seen: set[int] = set()
    for d in decisions:
        if d.line_id not in lines:
            raise NotFound(f"this order has no line {d.line_id}")
        if d.line_id in seen:
            raise Invalid(f"line {d.line_id} is named twice")
        seen.add(d.line_id)
        if d.decision is Decision.REJECT and not d.reason.strip():
            raise Invalid("say why you reject a line; the buyer sees the reason")
        if len(d.reason) > MAX_REASON:
            raise Invalid(f"a reason has at most {MAX_REASON} characters")
        line = lines[d.line_id]
        if d.quantity is not None:
            if d.decision is Decision.REJECT:
                raise Invalid("a quantity goes with an approval; reject the line instead")
            if not 1 <= d.quantity <= line.quantity:
                raise Invalid(
                    f"approve 1 to {line.quantity} units of {line.sku_code}, or reject the line"
                )
        if line.status is not LineStatus.PENDING:
            raise Conflict(f"line {line.sku_code} was already decided")


def _reduce(
    ctx: Context, order: Order, lines: dict[int, OrderLine], decisions: list[LineDecision]
) -> tuple[dict[int, int], dict[int, int]]:
    """Shrink lines approved for fewer units. Returns points released per line and units
    released per SKU. Points kept are the line's points pro rata, rounded down."""
    points: dict[int, int] = {}
    units: dict[int, int] = {}
    for d in decisions:
        line = lines[d.line_id]
        if d.quantity is None or d.quantity == line.quantity:
            continue
        kept = line.line_points * d.quantity // line.quantity
        done = ctx.session.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id, OrderLine.quantity == line.quantity)
            .values(quantity=d.quantity, line_points=kept)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("someone else changed this line just now; reload and retry")
        points[line.id] = line.line_points - kept
        units[line.sku_id] = units.get(line.sku_id, 0) + line.quantity - d.quantity
        set_committed_value(line, "quantity", d.quantity)
        set_committed_value(line, "line_points", kept)
    if points:
        total = order.total_points - sum(points.values())
        ctx.session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(total_points=Order.total_points - sum(points.values()))
            .execution_options(synchronize_session=False)
        )
        set_committed_value(order, "total_points", total)
    return points, units


def _detail(
    order: Order,
    decisions: list[LineDecision],
    lines: dict[int, OrderLine],
    mine: dict[int, list[ApprovalStep]],
    moved_on: dict[int, int],
    reduced: dict[int, int],
    status: OrderStatus,
) -> dict[str, Any]:
    entries = []
    for d in decisions:
        line, chosen = lines[d.line_id], mine[d.line_id]
        entry: dict[str, Any] = {
            "line_id": d.line_id,
            "status": line.status.value,
            "reason": d.reason,
            "decision": d.decision.value,
            "level": min((s.level for s in chosen), default=1),
            "rules": sorted({s.rule for s in chosen}),
        }
        behalf = sorted({s.on_behalf_of_id for s in chosen if s.on_behalf_of_id is not None})
        if behalf:
            entry["on_behalf_of"] = behalf
        if d.line_id in moved_on:
            entry["next_level"] = moved_on[d.line_id]
        if d.line_id in reduced:
            entry["quantity"] = line.quantity
            entry["points_released"] = reduced[d.line_id]
        entries.append(entry)
    return {"status": status.value, "lines": entries, "total_points": order.total_points}


def decide_whole(ctx: Context, order_id: int, decision: Decision, reason: str) -> Order:
    """Decide every pending line that waits for the actor at its current level."""
    actor = approver(ctx)
    order = order_to_decide(ctx, order_id)
    if order.user_id == actor.id:
        raise Forbidden("you cannot approve your own order")
    acting = {actor.id} | approval_steps.delegators(ctx, actor)
    pending = {line.id for line in order.lines if line.status is LineStatus.PENDING}
    if not pending:
        raise Conflict(f"every line of {order.number} is decided already")
    order_steps = approval_steps.of_order(ctx, order.id)
    mine = {
        s.line_id
        for s in order_steps
        if s.line_id in pending and approval_steps.may_decide(s, actor, acting)
    }
    bare = unstepped_lines(ctx, order, order_steps)
    if bare and may_decide_unstepped(ctx, actor, order):
        mine |= bare
    if not mine:
        raise Conflict(f"no line of {order.number} waits for you now")
    return decide(ctx, order_id, [LineDecision(i, decision, reason) for i in sorted(mine)])


@dataclass(frozen=True)
class BulkResult:
    order_id: int
    ok: bool
    status: str = ""
    error: str = ""


def decide_many(
    ctx: Context, order_ids: list[int], decision: Decision, reason: str
) -> list[BulkResult]:
    """Decide several whole orders; each in a savepoint, so one that fails (decided by
    someone else meanwhile, not yours) is reported and the others still go through."""
    if not order_ids:
        raise Invalid("choose at least one order")
    if len(set(order_ids)) > 200:
        raise Invalid("decide at most 200 orders at once")
    if decision is Decision.REJECT and not reason.strip():
        raise Invalid("say why you reject these orders; the buyers see the reason")
    results = []
    for order_id in dict.fromkeys(order_ids):
        try:
            with ctx.session.begin_nested():
                order = decide_whole(ctx, order_id, decision, reason)
            results.append(BulkResult(order_id, True, order.status.value))
        except (Invalid, Conflict, Forbidden, NotFound) as exc:
            results.append(BulkResult(order_id, False, error=exc.message))
    return results


def people(ctx: Context, user_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(ctx.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


__all__ = [
    "BulkResult",
    "Decision",
    "InboxFilters",
    "InboxRow",
    "LineDecision",
    "decide",
    "decide_many",
    "decide_whole",
    "inbox",
    "order_to_decide",
]
