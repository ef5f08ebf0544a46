"""Delegation: while an approver is away, a colleague decides what waits for them.

An approver names a delegate and a date range (inclusive, UTC dates). During it the
delegate's inbox also shows the steps waiting for the approver by name (their own steps
and the location-manager steps resolved to them), and a decision records "on behalf of"
the approver in the step and the order history. Role steps need no delegate: anyone else
with the role sees them.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select

from commissary.approvals.inbox import approver
from commissary.approvals.models import ApprovalDelegation
from commissary.context import Context
from commissary.errors import Invalid, NotFound
from commissary.identity.models import User
from commissary.identity.permissions import Permission, has_permission

MAX_DAYS = 366
MAX_OPEN = 20


def mine(ctx: Context) -> list[ApprovalDelegation]:
    """The actor's delegations (given or received) that have not ended, soonest first."""
    actor = approver(ctx)
    return list(
        ctx.session.scalars(
            select(ApprovalDelegation)
            .where(
                or_(
                    ApprovalDelegation.user_id == actor.id,
                    ApprovalDelegation.delegate_id == actor.id,
                ),
                ApprovalDelegation.ends_on >= ctx.now.date(),
            )
            .order_by(ApprovalDelegation.starts_on, ApprovalDelegation.id)
        )
    )


def candidates(ctx: Context) -> list[User]:
    """Colleagues who may decide approvals (the people a delegate can be picked from)."""
    actor = approver(ctx)
    users = ctx.session.scalars(
        select(User).where(User.is_active, User.id != actor.id).order_by(User.name)
    )
    return [u for u in users if has_permission(u, Permission.APPROVALS_DECIDE)]


def create(
    ctx: Context, delegate_id: int, starts_on: date, ends_on: date, note: str = ""
) -> ApprovalDelegation:
    actor = approver(ctx)
    if delegate_id == actor.id:
        raise Invalid("choose someone else as your delegate")
    delegate = ctx.session.scalar(select(User).where(User.id == delegate_id, User.is_active))
    if delegate is None:
        raise NotFound("no such colleague")
    if not has_permission(delegate, Permission.APPROVALS_DECIDE):
        raise Invalid(f"{delegate.name} does not approve orders; choose an approver or manager")
    if ends_on < starts_on:
        raise Invalid("the last day comes before the first day")
    if ends_on < ctx.now.date():
        raise Invalid("that absence is over already")
    if ends_on - starts_on > timedelta(days=MAX_DAYS):
        raise Invalid(f"a delegation lasts at most {MAX_DAYS} days")
    count = ctx.session.scalar(
        select(func.count())
        .select_from(ApprovalDelegation)
        .where(ApprovalDelegation.user_id == actor.id, ApprovalDelegation.ends_on >= ctx.now.date())
    )
    if (count or 0) >= MAX_OPEN:
        raise Invalid(f"you have {MAX_OPEN} delegations planned already; remove one first")
    row = ApprovalDelegation(
        tenant_id=ctx.tenant.id,
        user_id=actor.id,
        delegate_id=delegate.id,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note.strip()[:200],
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def remove(ctx: Context, delegation_id: int) -> None:
    """End a delegation the actor gave (or received: a delegate may decline)."""
    actor = approver(ctx)
    row = ctx.session.scalar(
        select(ApprovalDelegation).where(
            ApprovalDelegation.id == delegation_id,
            or_(ApprovalDelegation.user_id == actor.id, ApprovalDelegation.delegate_id == actor.id),
        )
    )
    if row is None:
        raise NotFound("no such delegation")
    ctx.session.delete(row)
    ctx.session.flush()


__all__ = ["candidates", "create", "mine", "remove"]
