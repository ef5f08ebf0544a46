"""The fulfilment queue for warehouse staff: what waits to ship, what is backordered, the
shipments being prepared, and forms to ship, mark shipped and mark delivered."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.concurrency import run_in_threadpool

from commissary import idempotency
from commissary.context import Context
from commissary.errors import Invalid
from commissary.fulfilment import queue, service
from commissary.fulfilment.models import Shipment, ShipmentStatus
from commissary.identity.permissions import Permission
from commissary.inventory import warehouses as stock
from commissary.inventory.stock import free_per_warehouse
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter(prefix="/fulfilment")
WarehouseCtx = Annotated[Context, Depends(page_requires(Permission.FULFILMENT_MANAGE))]


@router.get("", response_class=HTMLResponse)
def queue_page(request: Request, ctx: WarehouseCtx, backordered: bool = False) -> HTMLResponse:
    waiting = queue.queue(ctx, backordered_only=backordered)
    moving = list(
        ctx.session.scalars(
            select(Shipment)
            .options(selectinload(Shipment.lines))
            .where(Shipment.status.in_([ShipmentStatus.PREPARING, ShipmentStatus.SHIPPED]))
            .order_by(Shipment.id)
            .limit(200)
        )
    )
    houses = stock.warehouses(ctx, active_only=True)
    free = free_per_warehouse(
        ctx.session, sorted({x.line.sku_id for q in waiting for x in q.lines})
    )
    # Per order and warehouse: how many of its open units that warehouse could ship now,
    # so the form can preselect the one that ships most (ties: shipping priority).
    can_ship = {
        q.order.id: {
            w.id: sum(min(x.open, free.get((w.id, x.line.sku_id), 0)) for x in q.lines)
            for w in houses
        }
        for q in waiting
    }
    return render(
        request,
        "fulfilment.html",
        ctx,
        waiting=waiting,
        preparing=[s for s in moving if s.status is ShipmentStatus.PREPARING],
        in_transit=[s for s in moving if s.status is ShipmentStatus.SHIPPED],
        warehouses=houses,
        can_ship=can_ship,
        warehouse_names={w.id: w.name for w in stock.warehouses(ctx)},
        backordered=backordered,
        form_key=secrets.token_urlsafe(12),
    )


def _back(request: Request, ctx: Context, message: str) -> RedirectResponse:
    return redirect(request, f"/t/{ctx.tenant.slug}/fulfilment", message)


@router.post("/orders/{order_id}/shipments")
async def ship_order(request: Request, ctx: WarehouseCtx, order_id: int) -> RedirectResponse:
    """The queue's per-order form: ``qty_<line id>`` fields, a warehouse, carrier and
    tracking, and whether the parcel leaves now or is being prepared."""
    form = await request.form()
    items = []
    for key, value in form.multi_items():
        if key.startswith("qty_") and str(value).strip() not in ("", "0"):
            line = key.removeprefix("qty_")
            units = str(value).strip()
            if not (line.isdigit() and units.isdigit()):
                raise Invalid("quantities are whole numbers")
            items.append(service.ShipmentItem(int(line), int(units)))
    warehouse = str(form.get("warehouse_id", ""))
    if not warehouse.isdigit():
        raise Invalid("choose the warehouse it ships from")
    status = ShipmentStatus.PREPARING if form.get("prepare") else ShipmentStatus.SHIPPED
    carrier, tracking = str(form.get("carrier", "")), str(form.get("tracking_number", ""))
    key = idempotency.check_key(f"page:{form.get('form_key', '')}")
    print_ = idempotency.fingerprint(
        {"order": order_id, "items": [(i.order_line_id, i.quantity) for i in items]}
    )

    def work() -> str:
        assert ctx.actor is not None
        if idempotency.lookup(ctx.session, ctx.tenant.id, ctx.actor.id, key, print_):
            return "That shipment is recorded already."
        shipment = service.create_shipment(
            ctx,
            order_id,
            warehouse_id=int(warehouse),
            items=items,
            carrier=carrier,
            tracking_number=tracking,
            status=status,
        )
        idempotency.store(
            ctx.session, ctx.tenant.id, ctx.actor.id, key, print_, 201, {"id": shipment.id}
        )
        verb = "is being prepared" if status is ShipmentStatus.PREPARING else "has shipped"
        return f"{shipment.number} {verb}."

    return _back(request, ctx, await run_in_threadpool(work))


@router.post("/shipments/{shipment_id}/ship")
def mark_shipped(
    request: Request,
    ctx: WarehouseCtx,
    shipment_id: int,
    carrier: Annotated[str, Form(max_length=100)] = "",
    tracking_number: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    shipment = service.mark_shipped(
        ctx,
        shipment_id,
        carrier=carrier or None,
        tracking_number=tracking_number or None,
    )
    return _back(request, ctx, f"{shipment.number} has shipped.")


@router.post("/shipments/{shipment_id}/deliver")
def mark_delivered(request: Request, ctx: WarehouseCtx, shipment_id: int) -> RedirectResponse:
    shipment = service.mark_delivered(ctx, shipment_id)
    return _back(request, ctx, f"{shipment.number} is delivered.")
