"""Shipped items per period and warehouse, and the open backorders.

Shipped items are shipment lines of shipments that left (``shipped`` or ``delivered``),
by the time they left. An open backorder is the part of an open line (pending, approved
or in fulfilment) that is not shipped and that the stock on hand cannot cover once the
older open lines of the same SKU are served: oldest order first, computed with one
window function over the tenant's open lines, then narrowed to what the reader may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.fulfilment.models import Shipment, ShipmentLine, ShipmentStatus
from commissary.identity.models import Location, User
from commissary.inventory.models import StockLevel, Warehouse
from commissary.orders.models import LineStatus, Order, OrderLine
from commissary.reports.sql import Filters, bucket, bucket_range, order_scope, sku_scope

LIMIT = 500
OPEN_STATES = (LineStatus.PENDING, LineStatus.APPROVED, LineStatus.IN_FULFILMENT)
LEFT_STATES = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)


@dataclass(frozen=True)
class ShippedPeriod:
    start: date
    shipments: int
    units: int


@dataclass(frozen=True)
class ShippedBy:
    key: str
    name: str
    shipments: int
    units: int


@dataclass(frozen=True)
class Backorder:
    order_id: int
    submitted_at: datetime
    person: str
    location: str
    sku_code: str
    product: str
    ordered: int
    shipped: int
    backordered: int

    @property
    def order_number(self) -> str:
        return f"SO-{self.order_id:06d}"


def _shipped(ctx: Context, filters: Filters) -> Select[Any]:
    """Lines of shipments that left in the period; orders are joined only when the
    reader's scope or a people filter needs them."""
    statement = (
        select()
        .select_from(ShipmentLine)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(
            Shipment.status.in_(LEFT_STATES),
            Shipment.shipped_at >= filters.since,
            Shipment.shipped_at < filters.until,
            *sku_scope(filters, ShipmentLine.sku_id),
        )
    )
    scope = order_scope(ctx, filters)
    if scope:
        statement = statement.join(Order, Order.id == Shipment.order_id).where(*scope)
    return statement


_units = func.coalesce(func.sum(ShipmentLine.quantity), 0)
_shipments = func.count(func.distinct(Shipment.id))


def shipped_by_period(ctx: Context, filters: Filters) -> list[ShippedPeriod]:
    start = bucket(filters.size, Shipment.shipped_at).label("start")
    found = {
        day: (int(n), int(units))
        for day, n, units in ctx.session.execute(
            _shipped(ctx, filters).add_columns(start, _shipments, _units).group_by(start)
        )
    }
    return [
        ShippedPeriod(day, *found.get(day, (0, 0)))
        for day in bucket_range(filters.start, filters.end, filters.size)
    ]


def shipped_by_warehouse(ctx: Context, filters: Filters) -> list[ShippedBy]:
    statement = (
        _shipped(ctx, filters)
        .join(Warehouse, Warehouse.id == Shipment.warehouse_id)
        .add_columns(Warehouse.code, Warehouse.name, _shipments, _units)
        .group_by(Warehouse.code, Warehouse.name)
        .order_by(_units.desc(), Warehouse.code)
    )
    return [ShippedBy(*row) for row in ctx.session.execute(statement)]


def shipped_by_item(ctx: Context, filters: Filters, limit: int = 50) -> list[ShippedBy]:
    statement = (
        _shipped(ctx, filters)
        .join(Sku, Sku.id == ShipmentLine.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .add_columns(Sku.code, Product.name, _shipments, _units)
        .group_by(Sku.code, Product.name)
        .order_by(_units.desc(), Sku.code)
        .limit(limit)
    )
    return [ShippedBy(*row) for row in ctx.session.execute(statement)]


def backorders(ctx: Context, filters: Filters, limit: int | None = LIMIT) -> list[Backorder]:
    """Open backorders, oldest first, in one statement (see the module docstring)."""
    unshipped = OrderLine.quantity - OrderLine.shipped_quantity
    queue = (
        select(
            OrderLine.id.label("line_id"),
            OrderLine.sku_id,
            unshipped.label("open"),
            func.sum(unshipped)
            .over(
                partition_by=OrderLine.sku_id,
                order_by=(Order.submitted_at, OrderLine.id),
            )
            .label("running"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.status.in_(OPEN_STATES), unshipped > 0)
        .subquery("queue")
    )
    on_hand = func.coalesce(StockLevel.on_hand, 0)
    short = queue.c.running - on_hand
    backordered = case((short < queue.c.open, short), else_=queue.c.open)
    statement = (
        select(
            Order.id,
            Order.submitted_at,
            User.name,
            func.coalesce(Location.name, ""),
            Sku.code,
            Product.name,
            OrderLine.quantity,
            OrderLine.shipped_quantity,
            backordered,
        )
        .select_from(queue)
        .join(OrderLine, OrderLine.id == queue.c.line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .join(User, User.id == Order.user_id)
        .outerjoin(Location, Location.id == Order.location_id)
        .join(Sku, Sku.id == OrderLine.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .outerjoin(StockLevel, StockLevel.sku_id == queue.c.sku_id)
        .where(short > 0, *order_scope(ctx, filters), *sku_scope(filters))
        .order_by(Order.submitted_at, OrderLine.id)
        .limit(limit)
    )
    return [Backorder(*row) for row in ctx.session.execute(statement)]
