"""The ``budget_threshold`` alerts: once per budget, period and threshold (the tenant's
own percentages, 80 and 100 % by default; see :mod:`commissary.notifications.settings`).

The alert is checked after an order is submitted or decided (the worker delivers those
events to this core plugin) and by a job every 15 minutes that catches anything else
(an amendment, a budget lowered by an admin). Each recipient's once-only key is taken
with :func:`commissary.notifications.reminders.claim_reminder`
(``budget:<id>:<period>``, threshold ``80`` / ``100``); the event is emitted only for the
people whose key was free, so overlapping runs emit nothing twice. Reaching 100 % at once
takes the 80 % key too: nobody hears "80 %" after "100 %".

Who is told: the manager of the budget's location, or of the nearest location above it
that has one; tenant admins when none has.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from commissary.budgets import service
from commissary.budgets.models import LocationBudget
from commissary.context import Context
from commissary.db import Database
from commissary.entitlements import periods
from commissary.identity.models import Role, User
from commissary.jobs.outbox import emit
from commissary.notifications.reminders import claim_reminder
from commissary.notifications.settings import tenant_settings
from commissary.plugins import PluginHost
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for

KIND = "budget_threshold"


def recipients(ctx: Context, location_id: int) -> list[int]:
    for link in service.chain(ctx, location_id):
        if link.manager_id is not None:
            return [link.manager_id]
    admins = ctx.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.id))
    return [u.id for u in admins if u.has_role(Role.TENANT_ADMIN)]


def check(ctx: Context, rules: Sequence[service.BudgetRule]) -> int:
    """Emit the thresholds ``rules`` reached in their current period; returns how many
    events were emitted."""
    thresholds = sorted(tenant_settings(ctx.session, ctx.tenant.id).budget_percents)
    if not thresholds:
        return 0  # the tenant turned budget alerts off
    spent = service.spend(ctx, rules, ctx.now)
    emitted = 0
    for rule in rules:
        value = spent[rule.id][0]
        reached = [t for t in thresholds if value * 100 >= t * rule.amount]
        if not reached:
            continue
        top = max(reached)
        start, _ = periods.calendar_bounds(rule.period.value, ctx.now)
        key = f"budget:{rule.id}:{periods.period_key(rule.period.value, start)}"
        told = []
        for user_id in recipients(ctx, rule.location_id):
            if claim_reminder(ctx.session, ctx.tenant.id, KIND, user_id, key, str(top)):
                told.append(user_id)
                for lower in reached[:-1]:
                    claim_reminder(ctx.session, ctx.tenant.id, KIND, user_id, key, str(lower))
        if told:
            emit(
                ctx.session,
                ctx.tenant.id,
                KIND,
                {
                    "budget_id": rule.id,
                    "location_id": rule.location_id,
                    "period": key.rsplit(":", 1)[1],
                    "user_ids": told,
                    "percent": top,
                    "spent": value,
                    "amount": rule.amount,
                },
            )
            emitted += 1
    return emitted


def after_order(ctx: Context, order_id: object) -> int:
    """Check the budgets above an order's location (an ``order_*`` event handler)."""
    if not isinstance(order_id, int) or not service.budgets(ctx):
        return 0
    from commissary.orders.models import Order

    location_id = ctx.session.scalar(select(Order.location_id).where(Order.id == order_id))
    if location_id is None:
        return 0
    by_location = service.budgets(ctx)
    rules = [
        by_location[link.location_id]
        for link in service.chain(ctx, location_id)
        if link.location_id in by_location
    ]
    return check(ctx, rules) if rules else 0


def check_all(db: Database, host: PluginHost) -> int:
    """The scheduled job: every tenant's budgets, one transaction per tenant."""
    with db.session() as session:
        tenant_ids = list(
            session.scalars(select(LocationBudget.tenant_id).group_by(LocationBudget.tenant_id))
        )
    emitted = 0
    for tenant_id in tenant_ids:
        with db.transaction(tenant_id) as session:
            tenant = session.get(Tenant, tenant_id)
            if tenant is None:
                continue
            ctx = Context(tenant=tenant, session=session, hooks=hooks_for(session, host, tenant))
            emitted += check(ctx, list(service.budgets(ctx).values()))
    return emitted
