"""Warehouses and stock for staff (``stock.manage``): tenant admins and warehouse staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.inventory import warehouses as service
from commissary.inventory.schemas import (
    MovementPublic,
    SkuStockPublic,
    StockAdjustment,
    StockSettings,
    WarehouseCreate,
    WarehousePublic,
    WarehouseStockPublic,
    WarehouseUpdate,
)
from commissary.web.deps import api_requires

router = APIRouter(tags=["stock"])
StockCtx = Annotated[Context, Depends(api_requires(Permission.STOCK_MANAGE))]


@router.get("/warehouses", response_model=list[WarehousePublic])
def list_warehouses(ctx: StockCtx) -> list[WarehousePublic]:
    return [WarehousePublic.model_validate(w) for w in service.warehouses(ctx)]


@router.post("/warehouses", response_model=WarehousePublic, status_code=201)
def create_warehouse(ctx: StockCtx, body: WarehouseCreate) -> WarehousePublic:
    return WarehousePublic.model_validate(service.create_warehouse(ctx, **body.model_dump()))


@router.get("/warehouses/{warehouse_id}", response_model=WarehousePublic)
def get_warehouse(ctx: StockCtx, warehouse_id: int) -> WarehousePublic:
    return WarehousePublic.model_validate(service.get_warehouse(ctx, warehouse_id))


@router.patch("/warehouses/{warehouse_id}", response_model=WarehousePublic)
def update_warehouse(ctx: StockCtx, warehouse_id: int, body: WarehouseUpdate) -> WarehousePublic:
    changes = body.model_dump(include=body.model_fields_set)
    return WarehousePublic.model_validate(service.update_warehouse(ctx, warehouse_id, **changes))


@router.get("/warehouses/{warehouse_id}/stock", response_model=list[WarehouseStockPublic])
def warehouse_stock(ctx: StockCtx, warehouse_id: int) -> list[WarehouseStockPublic]:
    return [
        WarehouseStockPublic(
            warehouse_id=row.warehouse_id,
            sku_id=row.sku_id,
            sku_code=code,
            on_hand=row.on_hand,
            allocated=row.allocated,
            free=row.on_hand - row.allocated,
        )
        for code, row in service.warehouse_stock(ctx, warehouse_id)
    ]


@router.post(
    "/warehouses/{warehouse_id}/stock/adjustments",
    response_model=list[SkuStockPublic],
    status_code=201,
)
def adjust_stock(ctx: StockCtx, warehouse_id: int, body: StockAdjustment) -> list[SkuStockPublic]:
    """Receive, write off or count stock in a warehouse, with a reason (409 when it would
    leave less than orders were promised or than prepared shipments hold)."""
    service.adjust(
        ctx,
        warehouse_id,
        body.sku_id,
        delta=body.delta,
        count=body.count,
        reason=body.reason,
        note=body.note,
    )
    return _stock(ctx, sku_ids=[body.sku_id])


def _stock(ctx: Context, **filters: object) -> list[SkuStockPublic]:
    rows = service.stock_overview(ctx, **filters)  # type: ignore[arg-type]
    return [
        SkuStockPublic(
            sku_id=r.sku_id,
            sku_code=r.sku_code,
            on_hand=r.on_hand,
            reserved=r.reserved,
            available=r.available,
            low_stock_threshold=r.low_stock_threshold,
            backorder_allowed=r.backorder_allowed,
            is_low=r.is_low,
            warehouses=[
                WarehouseStockPublic(
                    warehouse_id=w,
                    sku_id=r.sku_id,
                    sku_code=r.sku_code,
                    on_hand=on_hand,
                    allocated=allocated,
                    free=on_hand - allocated,
                )
                for w, (on_hand, allocated) in sorted(r.per_warehouse.items())
            ],
        )
        for r in rows
    ]


@router.get("/stock", response_model=list[SkuStockPublic])
def stock_levels(
    ctx: StockCtx,
    q: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[SkuStockPublic]:
    """Stock per SKU: on hand, reserved by orders, available, and the split over
    warehouses (``allocated``: set aside for shipments being prepared)."""
    return _stock(ctx, search=q, limit=limit, offset=offset)


@router.put("/stock/{sku_id}/settings", response_model=SkuStockPublic)
def stock_settings(ctx: StockCtx, sku_id: int, body: StockSettings) -> SkuStockPublic:
    service.set_stock_settings(
        ctx,
        sku_id,
        low_stock_threshold=body.low_stock_threshold,
        backorder_allowed=body.backorder_allowed,
    )
    return _stock(ctx, sku_ids=[sku_id])[0]


@router.get("/stock/movements", response_model=list[MovementPublic])
def stock_movements(
    ctx: StockCtx,
    sku_id: int | None = None,
    warehouse_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[MovementPublic]:
    """Stock movements, newest first (append-only)."""
    return [
        MovementPublic.model_validate(m)
        for m in service.movements(
            ctx, sku_id=sku_id, warehouse_id=warehouse_id, limit=limit, offset=offset
        )
    ]
