"""API shapes of warehouses, stock and stock movements."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from commissary.inventory.models import MovementReason, WarehouseKind


class WarehouseCreate(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: WarehouseKind = WarehouseKind.TENANT
    location_id: int | None = None
    address: str = Field(default="", max_length=500)
    priority: int = Field(default=100, ge=0, le=10_000)


class WarehouseUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: WarehouseKind | None = None
    location_id: int | None = None
    address: str | None = Field(default=None, max_length=500)
    priority: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool | None = None


class WarehousePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: WarehouseKind
    location_id: int | None
    address: str
    priority: int
    is_active: bool


class WarehouseStockPublic(BaseModel):
    warehouse_id: int
    sku_id: int
    sku_code: str
    on_hand: int
    allocated: int
    free: int


class StockAdjustment(BaseModel):
    """Add (positive) or remove (negative) units, or with ``count`` set the level."""

    sku_id: int
    delta: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    count: int | None = Field(default=None, ge=0, le=10_000_000)
    reason: MovementReason = MovementReason.ADJUSTMENT
    note: str = Field(default="", max_length=500)


class SkuStockPublic(BaseModel):
    sku_id: int
    sku_code: str
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int | None
    backorder_allowed: bool
    is_low: bool
    warehouses: list[WarehouseStockPublic]


class StockSettings(BaseModel):
    low_stock_threshold: int | None = Field(default=None, ge=0, le=10_000_000)
    backorder_allowed: bool = False


class MovementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    warehouse_id: int
    sku_id: int
    delta: int
    on_hand_after: int
    reason: MovementReason
    note: str
    order_id: int | None
    shipment_id: int | None
    actor_id: int | None
    at: datetime
