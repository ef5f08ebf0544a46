"""Escalation: a step that waits too long moves to the next approver up.

A step opened more than N days ago (N from its rule, else the tenant's approval setting;
neither: never) moves to the manager of the next location up the tree from the one whose
manager had it, or, at the top, to the tenant admins (role ``tenant_admin``). Role steps
go to the tenant admins directly; steps already with them stay. Each escalation restarts
the step's clock, counts in ``escalations``, is written to the order's history and emits
``approval_escalated``, in one transaction per tenant.

Overlapping runs (two workers) are safe: a step is moved with a conditional UPDATE on
the approver and the opening time it was read with, so a second run moves nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, literal, select, update

from commissary.approvals.models import ApprovalSettings, ApprovalStep, ApproverKind, StepStatus
from commissary.approvals.steps import Approver, manager_chain, resolve
from commissary.context import Context
from commissary.db import Database, UTCDateTime, utcnow
from commissary.identity.models import Role
from commissary.jobs.outbox import emit
from commissary.orders import history
from commissary.orders.models import Order
from commissary.plugins import PluginHost
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for

TOP = Approver(ApproverKind.ROLE, role=Role.TENANT_ADMIN.value)


def escalate_waiting_steps(db: Database, host: PluginHost) -> int:
    """The scheduled job: escalate every overdue step of every tenant. Returns how many
    (order, level, approver) groups moved."""
    now = utcnow()
    with db.session() as session:
        tenant_ids = list(
            session.scalars(
                select(ApprovalStep.tenant_id)
                .where(ApprovalStep.status == StepStatus.OPEN)
                .group_by(ApprovalStep.tenant_id)
            )
        )
    moved = 0
    for tenant_id in tenant_ids:
        with db.transaction(tenant_id) as session:
            tenant = session.get(Tenant, tenant_id)
            assert tenant is not None
            ctx = Context(
                tenant=tenant, session=session, hooks=hooks_for(session, host, tenant), now=now
            )
            moved += escalate(ctx)
    return moved


def escalate(ctx: Context) -> int:
    """Escalate this tenant's overdue open steps (``ctx.now`` is the clock)."""
    default = ctx.session.scalar(select(ApprovalSettings.escalate_after_days))
    days = func.coalesce(ApprovalStep.escalate_after_days, default)
    if ctx.session.get_bind().dialect.name == "sqlite":
        now = literal(ctx.now, UTCDateTime())
        overdue = func.julianday(now) - func.julianday(ApprovalStep.opened_at) >= days
    else:
        overdue = ApprovalStep.opened_at <= ctx.now - days * timedelta(days=1)
    steps = ctx.session.execute(
        select(ApprovalStep, Order.user_id, Order.location_id)
        .join(Order, Order.id == ApprovalStep.order_id)
        .where(
            ApprovalStep.status == StepStatus.OPEN,
            days.is_not(None),
            overdue,
            ApprovalStep.approver_role.is_distinct_from(Role.TENANT_ADMIN.value),
        )
        .order_by(ApprovalStep.order_id, ApprovalStep.id)
    ).all()
    groups: dict[tuple[Any, ...], list[tuple[ApprovalStep, int, int | None]]] = {}
    for step, buyer_id, location_id in steps:
        key = (step.order_id, step.level, step.approver_user_id, step.approver_role, step.rule)
        groups.setdefault(key, []).append((step, buyer_id, location_id))
    chains: dict[int | None, list[tuple[int, int]]] = {}
    moved = 0
    for (order_id, level, from_user, _role, rule), members in groups.items():
        first, buyer_id, location_id = members[0]
        if first.approver_kind is ApproverKind.ROLE:
            target = TOP
        else:
            if location_id not in chains:
                chains[location_id] = manager_chain(ctx, location_id)
            target = resolve(
                "location_manager", buyer_id, chains[location_id], after=first.approver_location_id
            )
            if target.kind is ApproverKind.ROLE:
                target = TOP
        waited = (ctx.now - (first.opened_at or ctx.now)).days
        ids = [s.id for s, _b, _l in members]
        done = ctx.session.execute(
            update(ApprovalStep)
            .where(
                ApprovalStep.id.in_(ids),
                ApprovalStep.status == StepStatus.OPEN,
                ApprovalStep.opened_at == first.opened_at,
            )
            .values(
                approver_kind=target.kind,
                approver_user_id=target.user_id,
                approver_role=target.role,
                approver_location_id=target.location_id,
                opened_at=ctx.now,
                escalations=ApprovalStep.escalations + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            continue  # another run moved them first
        moved += 1
        event = {
            "order_id": order_id,
            "buyer_id": buyer_id,
            "level": level,
            "rule": rule,
            "days": waited,
            "from_user_id": from_user,
            "to_user_id": target.user_id,
            "to_role": target.role,
        }
        history.record(
            ctx,
            order_id,
            "escalated",
            {"lines": sorted({s.line_id for s, _b, _l in members}), **event},
            event=event,
        )
        emit(ctx.session, ctx.tenant.id, "approval_escalated", event)
    return moved


__all__ = ["escalate", "escalate_waiting_steps"]
