"""Reminder jobs, and the once-only key every reminder goes through.

:func:`claim_reminder` inserts a ``notification_reminders`` row keyed by kind, person,
subject and threshold inside a savepoint; it answers ``False`` when the key exists. A job
emits its event only after a successful claim, in the same transaction, so overlapping
runs (two workers, a retry after a crash) send a reminder once.

The points-expiring and budget reminders use the same key (``lot:<id>`` / ``budget:<id>:
<period>`` with thresholds ``7d`` / ``80``): their jobs belong with the wallet lots and
budgets that are being built, and only have to call :func:`claim_reminder` and emit
``points_expiring`` / ``budget_threshold``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commissary.context import Context
from commissary.db import Database, utcnow
from commissary.jobs.outbox import emit
from commissary.notifications import service
from commissary.orders.models import Order, OrderStatus
from commissary.plugins import PluginHost
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for

# Orders waiting longer than this many days remind their approvers (once per threshold).
APPROVAL_REMINDER_DAYS = (2, 7)


def claim_reminder(
    session: Session, tenant_id: int, kind: str, user_id: int, subject_key: str, threshold: str
) -> bool:
    """Take the once-only key of one reminder; ``False`` when it was sent already."""
    from commissary.notifications.models import ReminderSent

    try:
        with session.begin_nested():
            session.add(
                ReminderSent(
                    tenant_id=tenant_id,
                    kind=kind,
                    user_id=user_id,
                    subject_key=subject_key,
                    threshold=threshold,
                )
            )
    except IntegrityError:
        return False
    return True


def remind_waiting_approvals(
    db: Database, host: PluginHost, days: tuple[int, ...] = APPROVAL_REMINDER_DAYS
) -> int:
    """Emit ``approval_waiting`` for orders pending longer than each threshold, once per
    approver, order and threshold. One transaction per tenant."""
    now = utcnow()
    emitted = 0
    with db.session() as session:
        tenant_ids = list(
            session.scalars(
                select(Order.tenant_id)
                .where(
                    Order.status == OrderStatus.PENDING_APPROVAL,
                    Order.submitted_at <= now - timedelta(days=min(days)),
                )
                .group_by(Order.tenant_id)
            )
        )
    for tenant_id in tenant_ids:
        with db.transaction(tenant_id) as session:
            tenant = session.get(Tenant, tenant_id)
            assert tenant is not None
            ctx = Context(tenant=tenant, session=session, hooks=hooks_for(session, host, tenant))
            waiting = session.scalars(
                select(Order)
                .where(
                    Order.status == OrderStatus.PENDING_APPROVAL,
                    Order.submitted_at <= now - timedelta(days=min(days)),
                )
                .order_by(Order.id)
            ).all()
            for order in waiting:
                age = (now - order.submitted_at).days
                reached = max((d for d in days if age >= d), default=None)
                if reached is None:
                    continue
                approvers = [
                    u.id
                    for u in service.approvers_of(ctx, order)
                    if claim_reminder(
                        session,
                        tenant_id,
                        "approval_reminder",
                        u.id,
                        f"order:{order.id}",
                        f"{reached}d",
                    )
                ]
                if approvers:
                    emit(
                        session,
                        tenant_id,
                        "approval_waiting",
                        {
                            "order_id": order.id,
                            "buyer_id": order.user_id,
                            "days": age,
                            "approver_ids": approvers,
                        },
                    )
                    emitted += 1
    return emitted


def reminders_sent(session: Session) -> int:
    from commissary.notifications.models import ReminderSent

    return int(session.scalar(select(func.count()).select_from(ReminderSent)) or 0)
