"""Reminder jobs, and the once-only key every reminder goes through.

:func:`claim_reminder` inserts a ``notification_reminders`` row keyed by kind, person,
subject and threshold inside a savepoint; it answers ``False`` when the key exists. A job
emits its event only after a successful claim, in the same transaction, so overlapping
runs (two workers, a retry after a crash) send a reminder once.

The thresholds are the tenant's own (:mod:`commissary.notifications.settings`): approvals
waiting 2 and 7 days by default. The budget alerts (:mod:`commissary.budgets.alerts`) use
the same key (``budget:<id>:<period>``, thresholds ``80`` / ``100``); the allowance
plugin's points-expiring reminders keep their own key per lot and threshold.
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
from commissary.notifications.settings import DEFAULTS, all_tenant_settings
from commissary.orders.models import Order, OrderStatus
from commissary.plugins import PluginHost
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for


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
    db: Database, host: PluginHost, days: tuple[int, ...] | None = None
) -> int:
    """Emit ``approval_waiting`` for orders pending longer than each of the tenant's
    thresholds (``days`` overrides them for every tenant), once per approver, order and
    threshold. One transaction per tenant."""
    now = utcnow()
    emitted = 0
    with db.session() as session:
        own = all_tenant_settings(session) if days is None else {}
        candidates = (
            list(days)
            if days is not None
            else [*DEFAULTS.approval_waiting_days]
            + [d for x in own.values() for d in x.approval_waiting_days]
        )
        if not candidates:
            return 0
        shortest = min(candidates)
        tenant_ids = list(
            session.scalars(
                select(Order.tenant_id)
                .where(
                    Order.status == OrderStatus.PENDING_APPROVAL,
                    Order.submitted_at <= now - timedelta(days=shortest),
                )
                .group_by(Order.tenant_id)
            )
        )
    for tenant_id in tenant_ids:
        thresholds = (
            days if days is not None else own.get(tenant_id, DEFAULTS).approval_waiting_days
        )
        if not thresholds:
            continue  # the tenant turned approval reminders off
        with db.transaction(tenant_id) as session:
            tenant = session.get(Tenant, tenant_id)
            assert tenant is not None
            ctx = Context(tenant=tenant, session=session, hooks=hooks_for(session, host, tenant))
            waiting = session.scalars(
                select(Order)
                .where(
                    Order.status == OrderStatus.PENDING_APPROVAL,
                    Order.submitted_at <= now - timedelta(days=min(thresholds)),
                )
                .order_by(Order.id)
            ).all()
            for order in waiting:
                age = (now - order.submitted_at).days
                reached = max((d for d in thresholds if age >= d), default=None)
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
