"""Stock pages for tenant admins and warehouse staff: warehouses, stock per warehouse,
adjustments with a reason, low-stock thresholds and backorders, recent movements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from commissary.catalog.models import Sku
from commissary.context import Context
from commissary.errors import Invalid
from commissary.identity.models import Location
from commissary.identity.permissions import Permission
from commissary.inventory import warehouses as service
from commissary.inventory.models import MovementReason, WarehouseKind
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter(prefix="/admin/stock")
StockCtx = Annotated[Context, Depends(page_requires(Permission.STOCK_MANAGE))]
PAGE = 100


def _int(value: str, what: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"{what} must be a whole number") from None


@router.get("", response_class=HTMLResponse)
def stock_page(
    request: Request,
    ctx: StockCtx,
    q: Annotated[str, Query(max_length=64)] = "",
    low: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    houses = service.warehouses(ctx)
    rows = service.stock_overview(
        ctx, search=q, low_only=low, limit=PAGE + 1, offset=(page - 1) * PAGE
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    names = {w.id: w.name for w in houses}
    recent = service.movements(ctx, limit=15)
    sku_codes = {
        sku_id: code
        for sku_id, code in ctx.session.execute(
            select(Sku.id, Sku.code).where(Sku.id.in_({m.sku_id for m in recent}))
        )
    }
    return render(
        request,
        "stock.html",
        ctx,
        warehouses=houses,
        warehouse_names=names,
        totals=service.totals_by_warehouse(ctx),
        rows=rows,
        q=q,
        low=low,
        page=page,
        more=more,
        recent=recent,
        sku_codes=sku_codes,
        reasons=[r.value for r in service.MANUAL_REASONS_ORDERED],
        kinds=[k.value for k in WarehouseKind],
        locations=ctx.session.scalars(select(Location).order_by(Location.name)).all(),
    )


@router.post("/warehouses")
def create_warehouse(
    request: Request,
    ctx: StockCtx,
    code: Annotated[str, Form(max_length=40)],
    name: Annotated[str, Form(max_length=200)],
    kind: Annotated[WarehouseKind, Form()] = WarehouseKind.TENANT,
    location_id: Annotated[str, Form()] = "",
    address: Annotated[str, Form(max_length=500)] = "",
    priority: Annotated[int, Form(ge=0, le=10_000)] = 100,
) -> RedirectResponse:
    found = service.create_warehouse(
        ctx,
        code=code,
        name=name,
        kind=kind,
        location_id=_int(location_id, "the location"),
        address=address,
        priority=priority,
    )
    return redirect(request, f"/t/{ctx.tenant.slug}/admin/stock", f"Added {found.name}.")


@router.post("/warehouses/{warehouse_id}/active")
def toggle_warehouse(
    request: Request, ctx: StockCtx, warehouse_id: int, active: Annotated[str, Form()] = ""
) -> RedirectResponse:
    found = service.update_warehouse(ctx, warehouse_id, is_active=bool(active))
    state = "ships again" if found.is_active else "no longer ships"
    return redirect(request, f"/t/{ctx.tenant.slug}/admin/stock", f"{found.name} {state}.")


@router.post("/adjustments")
def adjust(
    request: Request,
    ctx: StockCtx,
    warehouse_id: Annotated[int, Form()],
    sku_code: Annotated[str, Form(max_length=64)],
    quantity: Annotated[str, Form(max_length=12)],
    reason: Annotated[MovementReason, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """``quantity`` is a change (+5, -2) or, with reason ``count``, the level counted."""
    sku_id = ctx.session.scalar(select(Sku.id).where(Sku.code == sku_code.strip()))
    if sku_id is None:
        raise Invalid(f"there is no SKU {sku_code.strip()}")
    units = _int(quantity, "the quantity")
    if units is None:
        raise Invalid("give a quantity")
    counted = reason is MovementReason.COUNT
    after = service.adjust(
        ctx,
        warehouse_id,
        sku_id,
        delta=None if counted else units,
        count=units if counted else None,
        reason=reason,
        note=note,
    )
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/admin/stock?q={sku_code.strip()}",
        f"{sku_code.strip()}: {after} on hand in that warehouse now.",
    )


@router.post("/skus/{sku_id}/settings")
def settings(
    request: Request,
    ctx: StockCtx,
    sku_id: int,
    low_stock_threshold: Annotated[str, Form(max_length=12)] = "",
    backorder_allowed: Annotated[str, Form()] = "",
) -> RedirectResponse:
    threshold = _int(low_stock_threshold, "the threshold")
    if threshold is not None and threshold < 0:
        raise Invalid("the threshold cannot be negative")
    service.set_stock_settings(
        ctx, sku_id, low_stock_threshold=threshold, backorder_allowed=bool(backorder_allowed)
    )
    return redirect(request, f"/t/{ctx.tenant.slug}/admin/stock", "Stock settings saved.")
