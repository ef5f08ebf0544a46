"""The tenant's entitlements as cached rules, and which of them apply to a person.

Active entitlements are read once per process and tenant ``config_version`` (every change
of an entitlement bumps it), as are a person's customer types (membership changes bump it
too). Budgets are loaded together with them, so a cart request warms what the submission
after it needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from commissary.context import Context
from commissary.entitlements import periods
from commissary.entitlements.models import Enforcement, Entitlement, PeriodKind, TargetKind
from commissary.segments import service as segments
from commissary.tenants.cache import ConfigCache

MEMO_RULES = "entitlement_rules"
_rule_caches = ConfigCache[tuple["Rule", ...]]()
# (sku id, product id, category id) of a line
Item = tuple[int, int, int | None]


@dataclass(frozen=True)
class Rule:
    """An active entitlement, as cached per tenant configuration version."""

    id: int
    name: str
    target_kind: TargetKind
    target_id: int
    customer_type_id: int | None
    quantity: int
    period: PeriodKind
    months: int | None
    enforcement: Enforcement

    def covers(self, item: Item) -> bool:
        sku_id, product_id, category_id = item
        if self.target_kind is TargetKind.SKU:
            return sku_id == self.target_id
        if self.target_kind is TargetKind.PRODUCT:
            return product_id == self.target_id
        return category_id == self.target_id

    def window(self, now: datetime) -> tuple[datetime, datetime | None]:
        """[start, reset): the start of what counts; the calendar reset (None: rolling)."""
        if self.period is PeriodKind.ROLLING:
            return periods.add_months(now, -(self.months or 1)), None
        return periods.calendar_bounds(self.period.value, now)

    @property
    def per(self) -> str:
        if self.period is PeriodKind.ROLLING:
            months = self.months or 1
            return "per month" if months == 1 else f"in any {months} months"
        return f"per {self.period.value}"


def rules(ctx: Context) -> tuple[Rule, ...]:
    """The tenant's active entitlements, read once per configuration version."""
    memo = ctx.memo.get(MEMO_RULES)
    if memo is not None:
        return memo  # type: ignore[no-any-return]
    fresh: list[bool] = []

    def load() -> tuple[Rule, ...]:
        fresh.append(True)
        return tuple(
            Rule(
                e.id,
                e.name,
                e.target_kind,
                e.target_id,
                e.customer_type_id,
                e.quantity,
                e.period,
                e.months,
                e.enforcement,
            )
            for e in ctx.session.scalars(
                select(Entitlement).where(Entitlement.is_active).order_by(Entitlement.id)
            )
        )

    found = _rule_caches.get(ctx, load)
    if fresh:
        ctx.memo[MEMO_RULES] = found
        _warm_budgets(ctx)
    ctx.memo[MEMO_RULES] = found
    return found


def _warm_budgets(ctx: Context) -> None:
    """Load the tenant's budgets with its entitlements: a cart request then warms what
    the submission after it needs, and a submission never pays for a cold cache twice."""
    from commissary.budgets import service as budgets

    budgets.budgets(ctx)


def cached_for_person(ctx: Context, user_id: int) -> bool | None:
    """Whether any entitlement applies to ``user_id``, from the caches only (``None``:
    not known without a query). For menus, which render on error pages too, after the
    request's transaction is gone."""
    found = ctx.memo.get(MEMO_RULES)
    if found is None:
        found = _rule_caches.peek(ctx)
    if found is None:
        return None
    if all(r.customer_type_id is None for r in found):
        return bool(found)
    types = segments.cached_customer_type_ids(ctx, user_id)
    if types is None:
        return None
    return any(r.customer_type_id is None or r.customer_type_id in types for r in found)


def for_person(ctx: Context, user_id: int) -> list[Rule]:
    """The entitlements that apply to ``user_id`` (whatever they cover)."""
    everything = rules(ctx)
    if not everything:
        return []
    if all(r.customer_type_id is None for r in everything):
        return list(everything)
    types = segments.customer_type_ids(ctx, user_id)
    return [r for r in everything if r.customer_type_id is None or r.customer_type_id in types]


def applicable(ctx: Context, user_id: int, items: Iterable[Item]) -> list[Rule]:
    """The entitlements of ``user_id`` that cover any of ``items``; no statement when the
    tenant has none that could."""
    everything = rules(ctx)
    if not everything:
        return []
    wanted = list(items)
    covering = [r for r in everything if any(r.covers(i) for i in wanted)]
    if not covering:
        return []
    return [r for r in for_person(ctx, user_id) if r in covering]
