"""Warehouses and stock as staff see and change them (pages and API).

Reading is set-based (one query per table, whatever the number of SKUs); every change
goes through :mod:`commissary.inventory.stock`, which keeps the two levels in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from commissary.catalog.models import Sku
from commissary.context import Context
from commissary.errors import Conflict, Invalid, NotFound
from commissary.identity.models import Location
from commissary.inventory import stock
from commissary.inventory.models import (
    MovementReason,
    StockLevel,
    StockMovement,
    Warehouse,
    WarehouseKind,
    WarehouseStock,
)

# Reasons a person may give; ``shipment`` and ``initial`` are written by the system.
MANUAL_REASONS_ORDERED = (
    MovementReason.RECEIPT,
    MovementReason.COUNT,
    MovementReason.ADJUSTMENT,
    MovementReason.DAMAGED,
    MovementReason.RETURN,
)
MANUAL_REASONS = frozenset(MANUAL_REASONS_ORDERED)


def warehouses(ctx: Context, *, active_only: bool = False) -> list[Warehouse]:
    query = select(Warehouse).order_by(Warehouse.priority, Warehouse.code)
    if active_only:
        query = query.where(Warehouse.is_active)
    return list(ctx.session.scalars(query))


def get_warehouse(ctx: Context, warehouse_id: int) -> Warehouse:
    found = ctx.session.get(Warehouse, warehouse_id)
    if found is None:
        raise NotFound("there is no such warehouse")
    return found


def _check_location(ctx: Context, kind: WarehouseKind, location_id: int | None) -> None:
    if location_id is not None and ctx.session.get(Location, location_id) is None:
        raise Invalid(f"there is no location {location_id}")
    if kind is WarehouseKind.LOCATION and location_id is None:
        raise Invalid("a location's stock room names its location")


def create_warehouse(
    ctx: Context,
    *,
    code: str,
    name: str,
    kind: WarehouseKind = WarehouseKind.TENANT,
    location_id: int | None = None,
    address: str = "",
    priority: int = 100,
) -> Warehouse:
    code = code.strip()
    if not code or not name.strip():
        raise Invalid("a warehouse needs a code and a name")
    if ctx.session.scalar(select(Warehouse.id).where(Warehouse.code == code)) is not None:
        raise Conflict(f"a warehouse with code {code} exists already")
    _check_location(ctx, kind, location_id)
    found = Warehouse(
        tenant_id=ctx.tenant.id,
        code=code,
        name=name.strip(),
        kind=kind,
        location_id=location_id,
        address=address.strip(),
        priority=priority,
        is_active=True,
    )
    ctx.session.add(found)
    try:
        ctx.session.flush()
    except IntegrityError as exc:  # a concurrent create with the same code
        raise Conflict(f"a warehouse with code {code} exists already") from exc
    return found


def update_warehouse(ctx: Context, warehouse_id: int, **changes: object) -> Warehouse:
    """Change the given fields (``None`` values are skipped, except ``location_id``
    when it is named). A warehouse still holding allocated units stays active."""
    found = get_warehouse(ctx, warehouse_id)
    for key in ("name", "address", "priority", "kind"):
        value = changes.get(key)
        if value is not None:
            setattr(found, key, value.strip() if isinstance(value, str) else value)
    if "location_id" in changes:
        found.location_id = changes["location_id"]  # type: ignore[assignment]
    _check_location(ctx, found.kind, found.location_id)
    active = changes.get("is_active")
    if active is False and found.is_active:
        held = ctx.session.scalar(
            select(WarehouseStock.sku_id)
            .where(WarehouseStock.warehouse_id == found.id, WarehouseStock.allocated > 0)
            .limit(1)
        )
        if held is not None:
            raise Conflict("shipments are being prepared here; ship or move them first")
        found.is_active = False
    elif active is True:
        found.is_active = True
    ctx.session.flush()
    return found


@dataclass
class SkuStock:
    sku_id: int
    sku_code: str
    on_hand: int
    reserved: int
    low_stock_threshold: int | None
    backorder_allowed: bool
    per_warehouse: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        return self.low_stock_threshold is not None and self.available <= self.low_stock_threshold


def stock_overview(
    ctx: Context,
    *,
    sku_ids: list[int] | None = None,
    search: str = "",
    low_only: bool = False,
    limit: int = 500,
    offset: int = 0,
) -> list[SkuStock]:
    """Stock per SKU with its split over warehouses, in two queries."""
    query = (
        select(
            Sku.id,
            Sku.code,
            StockLevel.on_hand,
            StockLevel.reserved,
            StockLevel.low_stock_threshold,
            StockLevel.backorder_allowed,
        )
        .join(StockLevel, StockLevel.sku_id == Sku.id)
        .order_by(Sku.code)
        .limit(limit)
        .offset(offset)
    )
    if sku_ids is not None:
        query = query.where(Sku.id.in_(sku_ids))
    if search:
        query = query.where(Sku.code.ilike(f"%{search.strip()}%"))
    if low_only:
        query = query.where(
            StockLevel.low_stock_threshold.is_not(None),
            StockLevel.on_hand - StockLevel.reserved <= StockLevel.low_stock_threshold,
        )
    rows = [SkuStock(*row) for row in ctx.session.execute(query)]
    by_sku = {row.sku_id: row for row in rows}
    split = ctx.session.execute(
        select(
            WarehouseStock.sku_id,
            WarehouseStock.warehouse_id,
            WarehouseStock.on_hand,
            WarehouseStock.allocated,
        ).where(WarehouseStock.sku_id.in_(list(by_sku)))
    )
    for sku_id, warehouse_id, on_hand, allocated in split:
        by_sku[sku_id].per_warehouse[warehouse_id] = (on_hand, allocated)
    return rows


def warehouse_stock(ctx: Context, warehouse_id: int) -> list[tuple[str, WarehouseStock]]:
    get_warehouse(ctx, warehouse_id)
    return [
        (code, row)
        for code, row in ctx.session.execute(
            select(Sku.code, WarehouseStock)
            .join(Sku, Sku.id == WarehouseStock.sku_id)
            .where(WarehouseStock.warehouse_id == warehouse_id)
            .order_by(Sku.code)
        )
    ]


def adjust(
    ctx: Context,
    warehouse_id: int,
    sku_id: int,
    *,
    delta: int | None = None,
    count: int | None = None,
    reason: MovementReason = MovementReason.ADJUSTMENT,
    note: str = "",
) -> int:
    """A person's stock change: ``delta`` units, or ``count`` (the level found by a
    stock count). Returns the warehouse's on-hand after."""
    warehouse = get_warehouse(ctx, warehouse_id)
    if ctx.session.get(Sku, sku_id) is None:
        raise NotFound("there is no such SKU")
    if reason not in MANUAL_REASONS:
        raise Invalid(f"{reason.value} movements are recorded by the system")
    if (delta is None) == (count is None):
        raise Invalid("give either a change in units or a counted level")
    if count is not None:
        stock.ensure_rows(ctx.session, ctx.tenant.id, warehouse.id, [sku_id])
        current = ctx.session.scalar(
            select(WarehouseStock.on_hand).where(
                WarehouseStock.warehouse_id == warehouse.id, WarehouseStock.sku_id == sku_id
            )
        )
        delta = count - int(current or 0)
        reason = MovementReason.COUNT
        if delta == 0:
            return count
    assert delta is not None
    return stock.adjust(
        ctx.session,
        ctx.tenant.id,
        warehouse.id,
        sku_id,
        delta,
        reason,
        note=note,
        actor_id=ctx.actor.id if ctx.actor else None,
        at=ctx.now,
    )


def set_stock_settings(
    ctx: Context, sku_id: int, *, low_stock_threshold: int | None, backorder_allowed: bool
) -> StockLevel:
    """The SKU's low-stock threshold and whether orders may reserve beyond stock.
    Backorders cannot be switched off while orders are promised more than is on hand."""
    if ctx.session.get(Sku, sku_id) is None:
        raise NotFound("there is no such SKU")
    stock.ensure_rows(
        ctx.session, ctx.tenant.id, stock.default_warehouse(ctx.session, ctx.tenant.id).id, [sku_id]
    )
    level = ctx.session.get(StockLevel, sku_id)
    assert level is not None
    ctx.session.refresh(level)
    if not backorder_allowed and level.reserved > level.on_hand:
        raise Conflict(
            f"orders hold {level.reserved - level.on_hand} units beyond stock; "
            "receive goods before switching backorders off"
        )
    level.low_stock_threshold = low_stock_threshold
    level.backorder_allowed = backorder_allowed
    ctx.session.flush()
    return level


def movements(
    ctx: Context,
    *,
    sku_id: int | None = None,
    warehouse_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[StockMovement]:
    query = select(StockMovement).order_by(StockMovement.id.desc()).limit(limit).offset(offset)
    if sku_id is not None:
        query = query.where(StockMovement.sku_id == sku_id)
    if warehouse_id is not None:
        query = query.where(StockMovement.warehouse_id == warehouse_id)
    return list(ctx.session.scalars(query))


def totals_by_warehouse(ctx: Context) -> dict[int, tuple[int, int]]:
    """(units on hand, SKUs held) per warehouse, for the warehouses page."""
    rows = ctx.session.execute(
        select(WarehouseStock.warehouse_id, func.sum(WarehouseStock.on_hand), func.count())
        .where(WarehouseStock.on_hand > 0)
        .group_by(WarehouseStock.warehouse_id)
    )
    return {warehouse_id: (int(units), int(skus)) for warehouse_id, units, skus in rows}
