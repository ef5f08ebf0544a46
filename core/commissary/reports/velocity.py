"""Velocity: how fast each SKU sells, when it runs out, and when and how much to reorder.

The method (``docs/reports.md`` works an example through):

- demand ``d`` = units of purchased lines (not rejected or cancelled) submitted in the
  trailing window of ``W`` days ending on the report date, divided by ``W``;
- available ``A`` = on hand minus reserved, over all warehouses (``stock_levels``);
- days of cover = ``A / d``; the projected stock-out date is the report date plus
  ``floor(A / d)`` days;
- safety stock ``SS = ceil(d * safety_days)``; reorder point
  ``ROP = ceil(d * lead_time_days) + SS``;
- reorder date: the report date when ``A <= ROP``, otherwise the report date plus
  ``floor((A - ROP) / d)`` days (the day stock falls to the reorder point);
- suggested quantity ``Q = ceil(d * cover_days) + max(0, ROP - A)``: what covers the next
  ``cover_days`` of demand, plus any shortfall below the reorder point today.

Arithmetic is exact (fractions), rounded only where stated. A SKU without demand in the
window has no stock-out date and no suggestion.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import and_, func, or_, select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.inventory.models import StockLevel
from commissary.orders.models import Order, OrderLine
from commissary.reports.models import (
    DEFAULT_COVER_DAYS,
    DEFAULT_LEAD_TIME_DAYS,
    DEFAULT_SAFETY_DAYS,
    ReorderSetting,
)
from commissary.reports.sql import Filters, midnight, purchased_lines

WINDOWS = (7, 14, 30, 60, 90, 180, 365)
SOON_DAYS = 7  # a reorder date this close is flagged "reorder soon"


class Urgency(enum.StrEnum):
    NOW = "reorder_now"
    SOON = "reorder_soon"
    OK = "ok"
    IDLE = "no_demand"


@dataclass(frozen=True)
class Policy:
    lead_time_days: int = DEFAULT_LEAD_TIME_DAYS
    safety_days: int = DEFAULT_SAFETY_DAYS
    cover_days: int = DEFAULT_COVER_DAYS


@dataclass(frozen=True)
class Projection:
    """The figures for one SKU; dates and quantities are None without demand."""

    daily_demand: Fraction
    days_of_cover: Fraction | None
    stockout_on: date | None
    safety_stock: int
    reorder_point: int
    reorder_on: date | None
    reorder_quantity: int
    urgency: Urgency


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def project(
    units: int, window_days: int, available: int, policy: Policy, as_of: date
) -> Projection:
    """Apply the method above to one SKU: a pure function, tested by hand.

    With ``d = units / window_days``, every rounded figure is computed in integers
    (``ceil(d * x) = ceil(units * x / window_days)``), exact and cheap for thousands of SKUs.
    """
    d = Fraction(units, window_days)
    if units <= 0:
        return Projection(Fraction(0), None, None, 0, 0, None, 0, Urgency.IDLE)
    available = max(available, 0)
    safety = _ceil_div(units * policy.safety_days, window_days)
    rop = _ceil_div(units * policy.lead_time_days, window_days) + safety
    wait = 0 if available <= rop else (available - rop) * window_days // units
    quantity = _ceil_div(units * policy.cover_days, window_days) + max(0, rop - available)
    urgency = Urgency.NOW if wait == 0 else Urgency.SOON if wait <= SOON_DAYS else Urgency.OK
    return Projection(
        daily_demand=d,
        days_of_cover=Fraction(available * window_days, units),
        stockout_on=as_of + timedelta(days=available * window_days // units),
        safety_stock=safety,
        reorder_point=rop,
        reorder_on=as_of + timedelta(days=wait),
        reorder_quantity=quantity,
        urgency=urgency,
    )


@dataclass(frozen=True)
class VelocityRow:
    sku_id: int
    sku_code: str
    product: str
    units: int
    on_hand: int
    reserved: int
    policy: Policy
    projection: Projection

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def default_policy(ctx: Context) -> Policy:
    row = ctx.session.execute(
        select(
            ReorderSetting.lead_time_days, ReorderSetting.safety_days, ReorderSetting.cover_days
        ).where(ReorderSetting.sku_id.is_(None))
    ).first()
    return Policy(*row) if row else Policy()


_ORDER = {Urgency.NOW: 0, Urgency.SOON: 1, Urgency.OK: 2, Urgency.IDLE: 3}


def velocity(ctx: Context, filters: Filters, window_days: int, as_of: date) -> list[VelocityRow]:
    """Every active SKU with demand in the window or stock on hand, most urgent first.

    Two statements: the tenant's default policy, then one query joining the window's
    demand per SKU (GROUP BY), the stock level and the SKU's own policy. The people and
    location filters narrow the demand; the category filter narrows the SKUs.
    """
    base = default_policy(ctx)
    since = midnight(as_of - timedelta(days=window_days - 1))
    until = midnight(as_of + timedelta(days=1))
    demand = (
        select(OrderLine.sku_id, func.sum(OrderLine.quantity).label("units"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            *purchased_lines(ctx, filters, dated=False),
            Order.submitted_at >= since,
            Order.submitted_at < until,
        )
        .group_by(OrderLine.sku_id)
        .subquery("demand")
    )
    statement = (
        select(
            Sku.id,
            Sku.code,
            Product.name,
            func.coalesce(demand.c.units, 0),
            func.coalesce(StockLevel.on_hand, 0),
            func.coalesce(StockLevel.reserved, 0),
            ReorderSetting.lead_time_days,
            ReorderSetting.safety_days,
            ReorderSetting.cover_days,
        )
        .join(Product, Product.id == Sku.product_id)
        .outerjoin(demand, demand.c.sku_id == Sku.id)
        .outerjoin(StockLevel, StockLevel.sku_id == Sku.id)
        .outerjoin(ReorderSetting, ReorderSetting.sku_id == Sku.id)
        .where(
            Sku.is_active,
            or_(demand.c.units > 0, and_(StockLevel.on_hand.is_not(None), StockLevel.on_hand > 0)),
        )
    )
    if filters.category_id is not None:
        statement = statement.where(Product.category_id == filters.category_id)
    rows: list[VelocityRow] = []
    for sku_id, code, product, units, on_hand, reserved, lead, safety, cover in ctx.session.execute(
        statement
    ):
        policy = Policy(lead, safety, cover) if lead is not None else base
        projection = project(int(units), window_days, on_hand - reserved, policy, as_of)
        rows.append(
            VelocityRow(sku_id, code, product, int(units), on_hand, reserved, policy, projection)
        )
    rows.sort(
        key=lambda r: (
            _ORDER[r.projection.urgency],
            r.projection.reorder_on or date.max,
            -r.units,
            r.sku_code,
        )
    )
    return rows


def set_policy(ctx: Context, sku_id: int | None, policy: Policy) -> None:
    """Store the tenant's default (``sku_id`` None) or one SKU's reorder settings."""
    found = ctx.session.scalar(
        select(ReorderSetting).where(
            ReorderSetting.sku_id.is_(None) if sku_id is None else ReorderSetting.sku_id == sku_id
        )
    )
    if found is None:
        found = ReorderSetting(tenant_id=ctx.tenant.id, sku_id=sku_id)
        ctx.session.add(found)
    found.lead_time_days = policy.lead_time_days
    found.safety_days = policy.safety_days
    found.cover_days = policy.cover_days
    ctx.session.flush()
