"""Setting budgets (tenant admins) and reading spend against them (managers: the
locations they manage; tenant admins and approvers: every location)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from commissary.budgets import service
from commissary.budgets.models import BudgetPeriod, LocationBudget
from commissary.context import Context
from commissary.entitlements import periods
from commissary.errors import Conflict, Forbidden, Invalid, NotFound
from commissary.identity.models import Location
from commissary.identity.permissions import Permission, acts_tenant_wide, has_permission
from commissary.locations import tree
from commissary.tenants.service import bump_config

MAX_AMOUNT = 1_000_000_000
HISTORY = 6  # periods shown per budget


@dataclass(frozen=True)
class PeriodSpend:
    key: str
    label: str
    start: datetime
    end: datetime
    spent: int
    amount: int

    @property
    def percent(self) -> int:
        return self.spent * 100 // self.amount

    @property
    def short(self) -> str:
        """``Nov 2026``, ``Q4 2026``: the label in a list of periods."""
        return self.label if self.label.startswith("Q") else self.start.strftime("%b %Y")

    @property
    def left(self) -> int:
        return max(self.amount - self.spent, 0)


@dataclass(frozen=True)
class BudgetView:
    budget: LocationBudget
    location: Location
    periods: list[PeriodSpend]  # oldest first; the last is the current period

    @property
    def current(self) -> PeriodSpend:
        return self.periods[-1]


def _validate(ctx: Context, location_id: int, amount: int) -> None:
    if ctx.session.get(Location, location_id) is None:
        raise Invalid(f"there is no location {location_id}")
    if not 1 <= amount <= MAX_AMOUNT:
        raise Invalid(f"a budget is between 1 and {MAX_AMOUNT:,} points")


def get(ctx: Context, budget_id: int) -> LocationBudget:
    found = ctx.session.get(LocationBudget, budget_id)
    if found is None:
        raise NotFound("no such budget")
    return found


def create(
    ctx: Context, location_id: int, period: BudgetPeriod, amount: int, needs_approval: bool = True
) -> LocationBudget:
    _validate(ctx, location_id, amount)
    taken = ctx.session.scalar(
        select(LocationBudget.id).where(LocationBudget.location_id == location_id)
    )
    if taken is not None:
        raise Conflict("this location has a budget already; change that one")
    budget = LocationBudget(
        tenant_id=ctx.tenant.id,
        location_id=location_id,
        period=period,
        amount_points=amount,
        needs_approval=needs_approval,
    )
    ctx.session.add(budget)
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)
    return budget


def update(
    ctx: Context, budget_id: int, period: BudgetPeriod, amount: int, needs_approval: bool
) -> LocationBudget:
    budget = get(ctx, budget_id)
    _validate(ctx, budget.location_id, amount)
    budget.period, budget.amount_points, budget.needs_approval = period, amount, needs_approval
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)
    return budget


def delete(ctx: Context, budget_id: int) -> None:
    ctx.session.delete(get(ctx, budget_id))
    ctx.session.flush()
    bump_config(ctx.session, ctx.tenant.id)


def sees_everything(ctx: Context) -> bool:
    actor = ctx.actor
    return actor is not None and (
        acts_tenant_wide(actor) or has_permission(actor, Permission.BUDGETS_MANAGE)
    )


def overview(ctx: Context, count: int = HISTORY) -> list[BudgetView]:
    """Spend against budget for the locations the actor may see, ``count`` periods each:
    three statements whatever the number of budgets."""
    actor = ctx.actor
    if actor is None or not has_permission(actor, Permission.BUDGETS_VIEW):
        raise Forbidden("you do not see budgets")
    query = select(LocationBudget, Location).join(
        Location, Location.id == LocationBudget.location_id
    )
    if not sees_everything(ctx):
        query = query.where(LocationBudget.location_id.in_(tree.managed_by(actor.id)))
    rows = ctx.session.execute(query.order_by(Location.name, Location.id)).all()
    rules = [
        service.BudgetRule(b.id, b.location_id, b.period, b.amount_points, b.needs_approval)
        for b, _ in rows
    ]
    spent = service.spend(ctx, rules, ctx.now, count)
    views = []
    for budget, location in rows:
        bounds = periods.previous_periods(budget.period.value, ctx.now, count)
        views.append(
            BudgetView(
                budget,
                location,
                [
                    PeriodSpend(
                        periods.period_key(budget.period.value, start),
                        periods.period_label(budget.period.value, start),
                        start,
                        end,
                        value,
                        budget.amount_points,
                    )
                    for (start, end), value in zip(bounds, spent[budget.id], strict=True)
                ],
            )
        )
    return views


def one(ctx: Context, budget_id: int, count: int = HISTORY) -> BudgetView:
    """One budget's spend, when the actor may see it (404 otherwise)."""
    for view in overview(ctx, count):
        if view.budget.id == budget_id:
            return view
    raise NotFound("no such budget")
