"""The stock report: levels per SKU, split per warehouse, reserved against available.

``stock_levels`` holds the tenant-wide figures orders reserve against (on hand = the sum
over warehouses, reserved = promised to open orders); ``warehouse_stock`` holds what each
warehouse has and has allocated to shipments being prepared. Managers see the central
warehouses and the back rooms of the locations they manage; a location filter keeps the
back rooms of that part of the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_, select

from commissary.catalog.models import Product, Sku
from commissary.context import Context
from commissary.inventory.models import StockLevel, Warehouse, WarehouseStock
from commissary.locations.tree import managed_by, subtree
from commissary.reports.sql import Filters, sees_everything

LIMIT = 500  # SKUs per page of the report


@dataclass(frozen=True)
class WarehouseFigure:
    warehouse_id: int
    code: str
    name: str
    on_hand: int
    allocated: int

    @property
    def free(self) -> int:
        return self.on_hand - self.allocated


@dataclass
class StockRow:
    sku_id: int
    sku_code: str
    product: str
    on_hand: int
    reserved: int
    low_stock_threshold: int | None
    warehouses: list[WarehouseFigure] = field(default_factory=list)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def low(self) -> bool:
        limit = self.low_stock_threshold
        return self.available <= 0 or (limit is not None and self.available <= limit)


@dataclass(frozen=True)
class StockReport:
    rows: list[StockRow]
    warehouses: list[WarehouseFigure]  # totals per warehouse, for the chart
    truncated: bool


def _warehouse_scope(ctx: Context, filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Warehouse.is_active.is_(True)]
    if not sees_everything(ctx) and ctx.actor is not None:
        where.append(
            or_(
                Warehouse.location_id.is_(None), Warehouse.location_id.in_(managed_by(ctx.actor.id))
            )
        )
    if filters.location_id is not None:
        where.append(
            or_(
                Warehouse.location_id.is_(None),
                Warehouse.location_id.in_(subtree([filters.location_id])),
            )
        )
    return where


def stock(ctx: Context, filters: Filters, low_only: bool = False) -> StockReport:
    """Three statements: SKU levels, their split per warehouse, totals per warehouse."""
    levels = (
        select(
            Sku.id,
            Sku.code,
            Product.name,
            StockLevel.on_hand,
            StockLevel.reserved,
            StockLevel.low_stock_threshold,
        )
        .select_from(StockLevel)
        .join(Sku, Sku.id == StockLevel.sku_id)
        .join(Product, Product.id == Sku.product_id)
        .where(Sku.is_active)
        .order_by(Sku.code)
        .limit(LIMIT + 1)
    )
    if filters.category_id is not None:
        levels = levels.where(Product.category_id == filters.category_id)
    if low_only:
        available = StockLevel.on_hand - StockLevel.reserved
        levels = levels.where(
            or_(
                available <= 0,
                StockLevel.low_stock_threshold.is_not(None)
                & (available <= StockLevel.low_stock_threshold),
            )
        )
    rows = [StockRow(*r) for r in ctx.session.execute(levels)]
    truncated = len(rows) > LIMIT
    rows = rows[:LIMIT]
    by_sku = {r.sku_id: r for r in rows}
    scope = _warehouse_scope(ctx, filters)
    if by_sku:
        split = (
            select(
                WarehouseStock.sku_id,
                Warehouse.id,
                Warehouse.code,
                Warehouse.name,
                WarehouseStock.on_hand,
                WarehouseStock.allocated,
            )
            .join(Warehouse, Warehouse.id == WarehouseStock.warehouse_id)
            .where(WarehouseStock.sku_id.in_(list(by_sku)), *scope)
            .order_by(Warehouse.priority, Warehouse.code)
        )
        for sku_id, wid, code, name, on_hand, allocated in ctx.session.execute(split):
            by_sku[sku_id].warehouses.append(WarehouseFigure(wid, code, name, on_hand, allocated))
    totals = (
        select(
            Warehouse.id,
            Warehouse.code,
            Warehouse.name,
            func.coalesce(func.sum(WarehouseStock.on_hand), 0),
            func.coalesce(func.sum(WarehouseStock.allocated), 0),
        )
        .select_from(Warehouse)
        .outerjoin(WarehouseStock, WarehouseStock.warehouse_id == Warehouse.id)
        .where(*scope)
        .group_by(Warehouse.id, Warehouse.code, Warehouse.name, Warehouse.priority)
        .order_by(Warehouse.priority, Warehouse.code)
    )
    if filters.category_id is not None:
        totals = totals.where(
            or_(
                WarehouseStock.sku_id.is_(None),
                WarehouseStock.sku_id.in_(
                    select(Sku.id)
                    .join(Product, Product.id == Sku.product_id)
                    .where(Product.category_id == filters.category_id)
                ),
            )
        )
    warehouses = [
        WarehouseFigure(wid, code, name, int(on_hand), int(allocated))
        for wid, code, name, on_hand, allocated in ctx.session.execute(totals)
    ]
    return StockReport(rows, warehouses, truncated)
