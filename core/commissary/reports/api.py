"""Reports REST routes: JSON and CSV, with the same filters as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from commissary.catalog.models import Sku
from commissary.context import Context
from commissary.errors import NotFound
from commissary.identity.permissions import Permission
from commissary.reports import purchases, shipping, stock, tables, velocity
from commissary.reports.export import csv_response
from commissary.reports.schemas import (
    BackorderPublic,
    FiltersPublic,
    PurchasesPublic,
    ReorderPolicy,
    ReportQuery,
    ShipmentsPublic,
    StockPublic,
    VelocityPublic,
    VelocityQuery,
    VelocityRowPublic,
)
from commissary.web.deps import api_requires

router = APIRouter(prefix="/reports", tags=["reports"])
ReportsCtx = Annotated[Context, Depends(api_requires(Permission.REPORTS_VIEW))]
AdminCtx = Annotated[Context, Depends(api_requires(Permission.CATALOG_MANAGE))]
Filters = Annotated[ReportQuery, Query()]
VelocityFilters = Annotated[VelocityQuery, Query()]
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "CSV, formula-safe"}
}


@router.get("/purchases", response_model=PurchasesPublic)
def purchases_report(ctx: ReportsCtx, query: Filters) -> PurchasesPublic:
    f = query.filters(ctx)
    return PurchasesPublic(
        filters=FiltersPublic.of(f),
        totals=purchases.totals(ctx, f),
        periods=purchases.by_period(ctx, f),
        people=purchases.by_person(ctx, f),
        items=purchases.by_item(ctx, f),
        locations=purchases.by_location(ctx, f),
    )


@router.get("/purchases.csv", response_class=Response, responses=CSV)
def purchases_csv(
    ctx: ReportsCtx,
    query: Filters,
    view: Annotated[str, Query(description="periods, people, items, locations, detail")] = "detail",
) -> Response:
    table = tables.purchases_table(ctx, query.filters(ctx), view)
    return csv_response(table.filename, table.header, table.rows)


@router.get("/stock", response_model=StockPublic)
def stock_report(ctx: ReportsCtx, query: Filters, low: bool = False) -> StockPublic:
    return StockPublic.of(stock.stock(ctx, query.filters(ctx), low_only=low))


@router.get("/stock.csv", response_class=Response, responses=CSV)
def stock_csv(ctx: ReportsCtx, query: Filters) -> Response:
    table = tables.stock_table(ctx, query.filters(ctx))
    return csv_response(table.filename, table.header, table.rows)


@router.get("/velocity", response_model=VelocityPublic)
def velocity_report(ctx: ReportsCtx, query: VelocityFilters) -> VelocityPublic:
    as_of = query.as_of or ctx.now.date()
    rows = velocity.velocity(ctx, query.filters(ctx), query.window, as_of)
    return VelocityPublic(
        as_of=as_of, window_days=query.window, items=[VelocityRowPublic.of(r) for r in rows]
    )


@router.get("/velocity.csv", response_class=Response, responses=CSV)
def velocity_csv(ctx: ReportsCtx, query: VelocityFilters) -> Response:
    as_of = query.as_of or ctx.now.date()
    table = tables.velocity_table(ctx, query.filters(ctx), query.window, as_of)
    return csv_response(table.filename, table.header, table.rows)


@router.get("/shipments", response_model=ShipmentsPublic)
def shipments_report(ctx: ReportsCtx, query: Filters) -> ShipmentsPublic:
    f = query.filters(ctx)
    return ShipmentsPublic(
        filters=FiltersPublic.of(f),
        periods=shipping.shipped_by_period(ctx, f),
        warehouses=shipping.shipped_by_warehouse(ctx, f),
        items=shipping.shipped_by_item(ctx, f),
        backorders=[BackorderPublic.of(b) for b in shipping.backorders(ctx, f)],
    )


@router.get("/shipments.csv", response_class=Response, responses=CSV)
def shipments_csv(
    ctx: ReportsCtx,
    query: Filters,
    view: Annotated[str, Query(description="periods, warehouses, items, backorders")] = "periods",
) -> Response:
    table = tables.shipments_table(ctx, query.filters(ctx), view)
    return csv_response(table.filename, table.header, table.rows)


@router.get("/reorder-policy", response_model=ReorderPolicy)
def get_default_policy(ctx: ReportsCtx) -> ReorderPolicy:
    """The tenant's default lead time, safety stock and order cover (days of demand)."""
    p = velocity.default_policy(ctx)
    return ReorderPolicy(
        lead_time_days=p.lead_time_days, safety_days=p.safety_days, cover_days=p.cover_days
    )


@router.put("/reorder-policy", response_model=ReorderPolicy)
def set_default_policy(ctx: AdminCtx, body: ReorderPolicy) -> ReorderPolicy:
    velocity.set_policy(ctx, None, velocity.Policy(**body.model_dump()))
    return body


@router.put("/reorder-policy/{sku_id}", response_model=ReorderPolicy)
def set_sku_policy(ctx: AdminCtx, sku_id: int, body: ReorderPolicy) -> ReorderPolicy:
    """One SKU's own settings, overriding the tenant's default."""
    if ctx.session.get(Sku, sku_id) is None:
        raise NotFound("there is no such SKU here")
    velocity.set_policy(ctx, sku_id, velocity.Policy(**body.model_dump()))
    return body
