"""The approvals inbox: orders with a step open for the actor, filtered, in two queries.

An order shows to the approvers of its lines' *current* level only (steps ``open``), to
their delegates while they are away, and to tenant admins (who may decide anything).
The count and the page are one statement each whatever the page size: the row query
carries the actor's current level, reason and waiting time as correlated subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select

from commissary.approvals.models import ApprovalStep, StepStatus
from commissary.approvals.steps import waits_for
from commissary.context import Context
from commissary.errors import Forbidden
from commissary.identity.models import Location, User
from commissary.identity.permissions import Permission, has_permission
from commissary.locations import tree
from commissary.orders.models import LineStatus, Order, OrderLine, OrderStatus

MAX_PAGE = 200


@dataclass(frozen=True)
class InboxFilters:
    location_id: int | None = None  # the location and everything under it
    buyer_id: int | None = None
    buyer: str = ""  # part of the buyer's name or e-mail
    rule: str = ""  # a step's rule key: "rule:<id>", "points_threshold", a plugin's key
    min_total: int | None = None
    waiting_days: int | None = None  # a step open for the actor at least this long


@dataclass(frozen=True)
class InboxRow:
    order: Order
    buyer_name: str
    location_name: str
    pending_lines: int
    level: int = 1
    reason: str = ""
    waiting_since: datetime | None = None
    rules: list[str] = field(default_factory=list)


def approver(ctx: Context) -> User:
    if ctx.actor is None or not has_permission(ctx.actor, Permission.APPROVALS_DECIDE):
        raise Forbidden("you do not approve orders")
    return ctx.actor


def _mine(ctx: Context, actor: User, filters: InboxFilters) -> ColumnElement[bool]:
    """Open steps of the correlated order that wait for the actor (and match filters)."""
    where = [
        ApprovalStep.order_id == Order.id,
        ApprovalStep.status == StepStatus.OPEN,
        waits_for(ctx, actor),
    ]
    if filters.rule:
        where.append(ApprovalStep.rule == filters.rule)
    if filters.waiting_days is not None:
        where.append(ApprovalStep.opened_at <= ctx.now - timedelta(days=filters.waiting_days))
    return and_(*where)


def _visible(ctx: Context, actor: User, filters: InboxFilters) -> ColumnElement[bool]:
    """Orders with a step open for the actor, as one set (a hash join, not a subquery
    per order). Pending lines without steps (lines put back to ``pending`` without
    :func:`~commissary.approvals.steps.open_steps`) do not show here: call it. Orders
    waiting when the engine was installed got their steps from migration ``r0002``."""
    where = [ApprovalStep.status == StepStatus.OPEN, waits_for(ctx, actor)]
    if filters.rule:
        where.append(ApprovalStep.rule == filters.rule)
    if filters.waiting_days is not None:
        where.append(ApprovalStep.opened_at <= ctx.now - timedelta(days=filters.waiting_days))
    return Order.id.in_(select(ApprovalStep.order_id).where(*where))


def inbox(
    ctx: Context,
    *,
    limit: int = 50,
    offset: int = 0,
    filters: InboxFilters | None = None,
) -> tuple[list[InboxRow], int]:
    """Orders waiting for this approver, oldest first, in two statements."""
    actor = approver(ctx)
    filters = filters or InboxFilters()
    mine = _mine(ctx, actor, filters)
    where: list[ColumnElement[bool]] = [
        Order.status == OrderStatus.PENDING_APPROVAL,
        Order.user_id != actor.id,
        _visible(ctx, actor, filters),
    ]
    if filters.location_id is not None:
        where.append(Order.location_id.in_(tree.subtree([filters.location_id])))
    if filters.buyer_id is not None:
        where.append(Order.user_id == filters.buyer_id)
    if filters.min_total is not None:
        where.append(Order.total_points >= filters.min_total)
    joined = select(Order).join(User, User.id == Order.user_id)
    if filters.buyer.strip():
        term = f"%{filters.buyer.strip().lower()}%"
        where.append(func.lower(User.name).like(term) | func.lower(User.email).like(term))
    total = (
        ctx.session.scalar(select(func.count()).select_from(joined.where(*where).subquery())) or 0
    )
    pending = (
        select(func.count())
        .where(and_(OrderLine.order_id == Order.id, OrderLine.status == LineStatus.PENDING))
        .correlate(Order)
        .scalar_subquery()
    )
    level = select(func.min(ApprovalStep.level)).where(mine).correlate(Order).scalar_subquery()
    since = select(func.min(ApprovalStep.opened_at)).where(mine).correlate(Order).scalar_subquery()
    reason = (
        select(ApprovalStep.reason)
        .where(mine)
        .order_by(ApprovalStep.level, ApprovalStep.id)
        .limit(1)
        .correlate(Order)
        .scalar_subquery()
    )
    rows = ctx.session.execute(
        select(
            Order,
            User.name,
            func.coalesce(Location.name, ""),
            pending,
            level,
            reason,
            since,
        )
        .join(User, User.id == Order.user_id)
        .outerjoin(Location, Location.id == Order.location_id)
        .where(*where)
        .order_by(Order.submitted_at, Order.id)
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).all()
    return [
        InboxRow(o, buyer, loc, n, lvl or 1, why or "", at)
        for o, buyer, loc, n, lvl, why, at in rows
    ], total


__all__ = ["InboxFilters", "InboxRow", "approver", "inbox"]
