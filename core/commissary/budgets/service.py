"""Location budgets: what a location and everything under it spent in a period, the
submission check ("orders that would take a location over its budget need approval")
and the 80 % / 100 % alerts.

**Spend** of a budget in a period: the points of order lines that are approved, in
fulfilment, shipped or delivered, counted by the date the line was approved
(``decided_at``; orders approved at once: their submission), of orders shipped to the
budget's location or to any location under it. Periods are calendar months or quarters
in UTC. Pending, rejected and cancelled lines spend nothing.

**At submission** the budgets on the order's location and on every location above it
are checked: if approved spend plus the order's points exceeds a budget, the order needs
approval from the manager of a location above the budget's (the nearest one that has a
manager), or from tenant admins when there is none. Submissions under one budget take
turns on its row (a conditional UPDATE, no SELECT FOR UPDATE), so two concurrent orders
cannot both slip under it unseen (rows are taken in id order, so no deadlock).

**Cost**: the tenant's budgets are cached per ``config_version``; a tenant without
budgets pays no statement. Otherwise one statement finds the location's chain, and when
budgets apply, one locks them and one sums their spend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select, update
from sqlalchemy.orm import aliased

from commissary.budgets.models import BudgetPeriod, LocationBudget
from commissary.context import Context
from commissary.entitlements import periods
from commissary.hooktypes import OrderDraft
from commissary.identity.models import Location
from commissary.orders.models import LineStatus, Order, OrderLine
from commissary.tenants.cache import ConfigCache

MEMO_BUDGETS = "location_budgets"
MEMO_OVER = "budgets_over"
SPENDING = (LineStatus.APPROVED, LineStatus.IN_FULFILMENT, LineStatus.SHIPPED, LineStatus.DELIVERED)
THRESHOLDS = (80, 100)


@dataclass(frozen=True)
class BudgetRule:
    id: int
    location_id: int
    period: BudgetPeriod
    amount: int
    needs_approval: bool


@dataclass(frozen=True)
class ChainLink:
    location_id: int
    name: str
    manager_id: int | None


@dataclass(frozen=True)
class Overrun:
    """A budget an order would take over: who approves it and why."""

    budget: BudgetRule
    location_name: str
    spent: int
    order_points: int
    approver: str

    @property
    def reason(self) -> str:
        return (
            f"budget of {self.location_name}: {self.spent + self.order_points:,} of "
            f"{self.budget.amount:,} pts this {self.budget.period.value} with this order"
        )


_caches = ConfigCache[dict[int, "BudgetRule"]]()


def budgets(ctx: Context) -> dict[int, BudgetRule]:
    """The tenant's budgets by location id, read once per configuration version."""
    memo = ctx.memo.get(MEMO_BUDGETS)
    if memo is not None:
        return memo  # type: ignore[no-any-return]
    fresh: list[bool] = []

    def load() -> dict[int, BudgetRule]:
        fresh.append(True)
        return {
            b.location_id: BudgetRule(
                b.id, b.location_id, b.period, b.amount_points, b.needs_approval
            )
            for b in ctx.session.scalars(select(LocationBudget))
        }

    found = _caches.get(ctx, load)
    if fresh:
        ctx.memo[MEMO_BUDGETS] = found
        _warm_entitlements(ctx)
    ctx.memo[MEMO_BUDGETS] = found
    return found


def _warm_entitlements(ctx: Context) -> None:
    """See :func:`commissary.entitlements.service._warm_budgets`: loaded together."""
    from commissary.entitlements import service as entitlements

    entitlements.rules(ctx)


def chain(ctx: Context, location_id: int) -> list[ChainLink]:
    """The location and its ancestors, nearest first, in one recursive statement."""
    seed = select(
        Location.id,
        Location.parent_id,
        Location.name,
        Location.manager_id,
        literal(0).label("depth"),
    ).where(Location.id == location_id)
    up = seed.cte("budget_chain", recursive=True)
    parent = aliased(Location)
    up = up.union_all(
        select(parent.id, parent.parent_id, parent.name, parent.manager_id, up.c.depth + 1).join(
            up, parent.id == up.c.parent_id
        )
    )
    rows = ctx.session.execute(
        select(up.c.id, up.c.name, up.c.manager_id).order_by(up.c.depth).limit(64)
    ).all()
    return [ChainLink(i, name, manager) for i, name, manager in rows]


def approver_above(links: Sequence[ChainLink], index: int) -> str:
    """Who approves going over the budget of ``links[index]``: the nearest manager above it
    (``user:<id>``), or tenant admins (``role:tenant_admin``)."""
    for link in links[index + 1 :]:
        if link.manager_id is not None:
            return f"user:{link.manager_id}"
    return "role:tenant_admin"


def spend(
    ctx: Context, rules: Sequence[BudgetRule], moment: datetime, count: int = 1
) -> dict[int, list[int]]:
    """Spend of each budget in its ``count`` periods up to the one containing ``moment``,
    oldest first, in one statement (a recursive walk down each budget's subtree)."""
    if not rules:
        return {}
    bounds = {kind: periods.previous_periods(kind.value, moment, count) for kind in BudgetPeriod}
    seeds = select(
        LocationBudget.id.label("budget_id"), LocationBudget.location_id.label("location_id")
    ).where(LocationBudget.id.in_(sorted(r.id for r in rules)))
    tree = seeds.cte("budget_tree", recursive=True)
    child = aliased(Location)
    tree = tree.union_all(
        select(tree.c.budget_id, child.id).join(tree, child.parent_id == tree.c.location_id)
    )
    columns = [
        func.coalesce(
            func.sum(
                case(
                    (
                        and_(OrderLine.decided_at >= start, OrderLine.decided_at < end),
                        OrderLine.line_points,
                    ),
                    else_=0,
                )
            ),
            0,
        )
        for kind in BudgetPeriod
        for start, end in bounds[kind]
    ]
    earliest = min(b[0][0] for b in bounds.values())
    latest = max(b[-1][1] for b in bounds.values())
    rows = ctx.session.execute(
        select(tree.c.budget_id, *columns)
        .join(Order, Order.location_id == tree.c.location_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            OrderLine.status.in_(SPENDING),
            OrderLine.decided_at >= earliest,
            OrderLine.decided_at < latest,
        )
        .group_by(tree.c.budget_id)
    ).all()
    kinds = list(BudgetPeriod)
    by_budget = {row[0]: [int(v) for v in row[1:]] for row in rows}
    found: dict[int, list[int]] = {}
    for rule in rules:
        values = by_budget.get(rule.id, [0] * (count * len(kinds)))
        offset = kinds.index(rule.period) * count
        found[rule.id] = values[offset : offset + count]
    return found


def _applicable(ctx: Context, location_id: int | None) -> tuple[list[ChainLink], list[int]]:
    """The location's chain and the indexes in it of locations with a budget."""
    by_location = budgets(ctx)
    if not by_location or location_id is None:
        return [], []
    links = chain(ctx, location_id)
    return links, [i for i, link in enumerate(links) if link.location_id in by_location]


def _overruns(
    ctx: Context, draft: OrderDraft, links: list[ChainLink], at: list[int]
) -> list[Overrun]:
    by_location = budgets(ctx)
    rules = [by_location[links[i].location_id] for i in at]
    spent = spend(ctx, rules, ctx.now)
    points = draft.total_points
    found = []
    for i, rule in zip(at, rules, strict=True):
        if rule.needs_approval and points and spent[rule.id][0] + points > rule.amount:
            found.append(
                Overrun(rule, links[i].name, spent[rule.id][0], points, approver_above(links, i))
            )
    return found


def check_order(ctx: Context, draft: OrderDraft) -> None:
    """At submission: take turns on the budgets above the order's location, then find the
    ones it would overrun, for :func:`over_for_approval` (the approval hook)."""
    ctx.memo[MEMO_OVER] = (draft, [])
    links, at = _applicable(ctx, draft.location_id)
    if not at:
        return
    ids = sorted(budgets(ctx)[links[i].location_id].id for i in at)
    # Rows are taken in id order (the joined SELECT ... ORDER BY id FOR UPDATE, as stock
    # reservations do), so orders under several common budgets queue, never deadlock;
    # the UPDATE itself is what makes them take turns (SQLite ignores FOR UPDATE).
    locked = (
        select(LocationBudget.id)
        .where(LocationBudget.id.in_(ids))
        .order_by(LocationBudget.id)
        .with_for_update()
        .subquery("locked")
    )
    ctx.session.execute(
        update(LocationBudget)
        .where(LocationBudget.id == locked.c.id)
        .values(checks=LocationBudget.checks + 1)
        .execution_options(synchronize_session=False)
    )
    ctx.memo[MEMO_OVER] = (draft, _overruns(ctx, draft, links, at))


def over_for_approval(ctx: Context, draft: OrderDraft) -> list[Overrun]:
    memo = ctx.memo.get(MEMO_OVER)
    if memo is not None and memo[0] is draft:
        return list(memo[1])
    links, at = _applicable(ctx, draft.location_id)
    return _overruns(ctx, draft, links, at) if at else []
