"""Report filters as query parameters, and the JSON shapes of the reports."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from commissary.context import Context
from commissary.reports import purchases, shipping, stock, velocity
from commissary.reports.sql import Bucket, Filters, make_filters


class ReportQuery(BaseModel):
    """Filters every report takes. Empty values (a form's "all") mean no filter."""

    model_config = ConfigDict(extra="ignore")

    start: date | None = Field(default=None, description="first day (UTC), inclusive")
    end: date | None = Field(default=None, description="last day (UTC), inclusive; today")
    bucket: Bucket | None = Field(default=None, description="day, week or month; by length")
    location_id: int | None = Field(default=None, ge=1, description="this location and below")
    customer_type_id: int | None = Field(default=None, ge=1)
    category_id: int | None = Field(default=None, ge=1)
    user_id: int | None = Field(default=None, ge=1)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def filters(self, ctx: Context, default_days: int = 90) -> Filters:
        return make_filters(
            ctx,
            start=self.start,
            end=self.end,
            size=self.bucket,
            location_id=self.location_id,
            customer_type_id=self.customer_type_id,
            category_id=self.category_id,
            user_id=self.user_id,
            default_days=default_days,
        )


class VelocityQuery(ReportQuery):
    window: int = Field(default=30, ge=1, le=365, description="trailing window in days")
    as_of: date | None = Field(default=None, description="report date; today")


class FiltersPublic(BaseModel):
    start: date
    end: date
    bucket: Bucket
    location_id: int | None
    customer_type_id: int | None
    category_id: int | None
    user_id: int | None

    @classmethod
    def of(cls, f: Filters) -> FiltersPublic:
        return cls(
            start=f.start,
            end=f.end,
            bucket=f.size,
            location_id=f.location_id,
            customer_type_id=f.customer_type_id,
            category_id=f.category_id,
            user_id=f.user_id,
        )


class PurchasesPublic(BaseModel):
    filters: FiltersPublic
    totals: purchases.Totals
    periods: list[purchases.PeriodRow]
    people: list[purchases.PersonRow]
    items: list[purchases.ItemRow]
    locations: list[purchases.LocationRow]


class WarehouseFigurePublic(BaseModel):
    warehouse_id: int
    code: str
    name: str
    on_hand: int
    allocated: int
    free: int

    @classmethod
    def of(cls, w: stock.WarehouseFigure) -> WarehouseFigurePublic:
        return cls(
            warehouse_id=w.warehouse_id,
            code=w.code,
            name=w.name,
            on_hand=w.on_hand,
            allocated=w.allocated,
            free=w.free,
        )


class StockRowPublic(BaseModel):
    sku_id: int
    sku_code: str
    product: str
    on_hand: int
    reserved: int
    available: int
    low: bool
    warehouses: list[WarehouseFigurePublic]


class StockPublic(BaseModel):
    items: list[StockRowPublic]
    warehouses: list[WarehouseFigurePublic]
    truncated: bool

    @classmethod
    def of(cls, report: stock.StockReport) -> StockPublic:
        return cls(
            items=[
                StockRowPublic(
                    sku_id=r.sku_id,
                    sku_code=r.sku_code,
                    product=r.product,
                    on_hand=r.on_hand,
                    reserved=r.reserved,
                    available=r.available,
                    low=r.low,
                    warehouses=[WarehouseFigurePublic.of(w) for w in r.warehouses],
                )
                for r in report.rows
            ],
            warehouses=[WarehouseFigurePublic.of(w) for w in report.warehouses],
            truncated=report.truncated,
        )


class VelocityRowPublic(BaseModel):
    sku_id: int
    sku_code: str
    product: str
    units_in_window: int
    on_hand: int
    reserved: int
    available: int
    daily_demand: float = Field(description="units per day, rounded to 4 places")
    days_of_cover: float | None = Field(
        description="available / daily demand, rounded down to 1 place"
    )
    stockout_on: date | None
    safety_stock: int
    reorder_point: int
    reorder_on: date | None
    reorder_quantity: int
    urgency: velocity.Urgency
    lead_time_days: int
    safety_days: int
    cover_days: int

    @classmethod
    def of(cls, r: velocity.VelocityRow) -> VelocityRowPublic:
        p = r.projection
        return cls(
            sku_id=r.sku_id,
            sku_code=r.sku_code,
            product=r.product,
            units_in_window=r.units,
            on_hand=r.on_hand,
            reserved=r.reserved,
            available=r.available,
            daily_demand=round(float(p.daily_demand), 4),
            days_of_cover=None
            if p.days_of_cover is None
            else math.floor(p.days_of_cover * 10) / 10,
            stockout_on=p.stockout_on,
            safety_stock=p.safety_stock,
            reorder_point=p.reorder_point,
            reorder_on=p.reorder_on,
            reorder_quantity=p.reorder_quantity,
            urgency=p.urgency,
            lead_time_days=r.policy.lead_time_days,
            safety_days=r.policy.safety_days,
            cover_days=r.policy.cover_days,
        )


class VelocityPublic(BaseModel):
    as_of: date
    window_days: int
    items: list[VelocityRowPublic]


class ShipmentsPublic(BaseModel):
    filters: FiltersPublic
    periods: list[shipping.ShippedPeriod]
    warehouses: list[shipping.ShippedBy]
    items: list[shipping.ShippedBy]
    backorders: list[BackorderPublic]


class BackorderPublic(BaseModel):
    order_id: int
    order_number: str
    submitted_at: datetime
    person: str
    location: str
    sku_code: str
    product: str
    ordered: int
    shipped: int
    backordered: int

    @classmethod
    def of(cls, b: shipping.Backorder) -> BackorderPublic:
        return cls(order_number=b.order_number, **b.__dict__)


class ReorderPolicy(BaseModel):
    lead_time_days: int = Field(ge=0, le=365)
    safety_days: int = Field(ge=0, le=365)
    cover_days: int = Field(ge=1, le=730)


ShipmentsPublic.model_rebuild()
