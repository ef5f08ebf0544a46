"""The purchases report: who ordered what, how much, and spend per period.

Purchases are order lines that still count (not rejected, not cancelled), by the order's
submission time. Each breakdown is one GROUP BY statement; the page, the API and the
CSV export all read the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from commissary.catalog.models import Category, Product, Sku
from commissary.context import Context
from commissary.identity.models import Location, User
from commissary.orders.models import Order, OrderLine
from commissary.reports.sql import Filters, bucket, bucket_range, purchased_lines

TOP = 50  # rows in the people, items and locations tables


@dataclass(frozen=True)
class Totals:
    orders: int
    lines: int
    units: int
    points: int


@dataclass(frozen=True)
class PeriodRow:
    start: date
    orders: int
    units: int
    points: int


@dataclass(frozen=True)
class PersonRow:
    user_id: int
    name: str
    email: str
    orders: int
    units: int
    points: int


@dataclass(frozen=True)
class ItemRow:
    sku_id: int
    sku_code: str
    product: str
    category: str
    units: int
    points: int


@dataclass(frozen=True)
class LocationRow:
    location_id: int | None
    name: str
    orders: int
    units: int
    points: int


@dataclass(frozen=True)
class DetailRow:
    """One person's purchases of one SKU in the period: the "who ordered what" export."""

    name: str
    email: str
    location: str
    sku_code: str
    product: str
    units: int
    points: int


_units = func.coalesce(func.sum(OrderLine.quantity), 0)
_points = func.coalesce(func.sum(OrderLine.line_points), 0)
_orders = func.count(func.distinct(Order.id))


def _base(ctx: Context, filters: Filters) -> Select[Any]:
    return (
        select()
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(*purchased_lines(ctx, filters))
    )


def totals(ctx: Context, filters: Filters) -> Totals:
    row = ctx.session.execute(
        _base(ctx, filters).add_columns(_orders, func.count(OrderLine.id), _units, _points)
    ).one()
    return Totals(*(int(v or 0) for v in row))


def by_period(ctx: Context, filters: Filters) -> list[PeriodRow]:
    """Every bucket of the period, empty ones as zero, oldest first."""
    start = bucket(filters.size, Order.submitted_at).label("start")
    found = {
        day: PeriodRow(day, int(orders), int(units), int(points))
        for day, orders, units, points in ctx.session.execute(
            _base(ctx, filters).add_columns(start, _orders, _units, _points).group_by(start)
        )
    }
    return [
        found.get(day, PeriodRow(day, 0, 0, 0))
        for day in bucket_range(filters.start, filters.end, filters.size)
    ]


def by_person(ctx: Context, filters: Filters, limit: int | None = TOP) -> list[PersonRow]:
    statement = (
        _base(ctx, filters)
        .join(User, User.id == Order.user_id)
        .add_columns(User.id, User.name, User.email, _orders, _units, _points)
        .group_by(User.id, User.name, User.email)
        .order_by(_points.desc(), User.name)
        .limit(limit)
    )
    return [PersonRow(*row) for row in ctx.session.execute(statement)]


def by_item(ctx: Context, filters: Filters, limit: int | None = TOP) -> list[ItemRow]:
    statement = (
        _base(ctx, filters)
        .join(Sku, Sku.id == OrderLine.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .add_columns(Sku.id, Sku.code, Product.name, Category.name, _units, _points)
        .group_by(Sku.id, Sku.code, Product.name, Category.name)
        .order_by(_units.desc(), Sku.code)
        .limit(limit)
    )
    return [
        ItemRow(sku_id, code, product, category or "", int(units), int(points))
        for sku_id, code, product, category, units, points in ctx.session.execute(statement)
    ]


def by_location(ctx: Context, filters: Filters, limit: int | None = TOP) -> list[LocationRow]:
    statement = (
        _base(ctx, filters)
        .outerjoin(Location, Location.id == Order.location_id)
        .add_columns(Location.id, Location.name, _orders, _units, _points)
        .group_by(Location.id, Location.name)
        .order_by(_points.desc(), Location.name)
        .limit(limit)
    )
    return [
        LocationRow(loc_id, name or "No location", int(orders), int(units), int(points))
        for loc_id, name, orders, units, points in ctx.session.execute(statement)
    ]


def detail(ctx: Context, filters: Filters) -> list[DetailRow]:
    """Totals per person and SKU, for the CSV export: one row per pair bought."""
    statement = (
        _base(ctx, filters)
        .join(User, User.id == Order.user_id)
        .outerjoin(Location, Location.id == Order.location_id)
        .join(Sku, Sku.id == OrderLine.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .add_columns(User.name, User.email, Location.name, Sku.code, Product.name, _units, _points)
        .group_by(User.name, User.email, Location.name, Sku.code, Product.name)
        .order_by(User.name, User.email, Location.name, Sku.code)
    )
    return [
        DetailRow(name, email, location or "", code, product, int(units), int(points))
        for name, email, location, code, product, units, points in ctx.session.execute(statement)
    ]
