"""Shipments for warehouses and ERPs (``fulfilment.manage``), and for the order's buyer.

``POST /orders/{id}/shipments`` takes an ``Idempotency-Key``: an ERP that retries after a
timeout gets the shipment it created the first time (200) instead of a second one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse

from commissary import idempotency
from commissary.context import Context
from commissary.errors import NotFound
from commissary.fulfilment import queue, service
from commissary.fulfilment.schemas import (
    QueueOrderPublic,
    ShipmentCreate,
    ShipmentPublic,
    ShipmentShip,
)
from commissary.identity.permissions import Permission, has_permission
from commissary.orders import service as orders
from commissary.orders.models import Order
from commissary.web.deps import ApiCtx, api_requires

router = APIRouter(tags=["fulfilment"])
WarehouseCtx = Annotated[Context, Depends(api_requires(Permission.FULFILMENT_MANAGE))]


@router.get("/fulfilment/queue", response_model=list[QueueOrderPublic])
def fulfilment_queue(
    ctx: WarehouseCtx,
    backordered: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[QueueOrderPublic]:
    """Approved orders with units left to ship, oldest first; ``backordered`` lines are
    those free warehouse stock cannot cover yet."""
    return [
        QueueOrderPublic.of(q) for q in queue.queue(ctx, limit=limit, backordered_only=backordered)
    ]


@router.get("/orders/{order_id}/shipments", response_model=list[ShipmentPublic])
def list_shipments(ctx: ApiCtx, order_id: int) -> list[ShipmentPublic]:
    """The order's shipments with carrier and tracking: for its buyer, and for staff."""
    assert ctx.actor is not None
    if not has_permission(ctx.actor, Permission.FULFILMENT_MANAGE):
        orders.order_for(ctx, order_id)  # 404 unless it is the actor's own order
    elif ctx.session.get(Order, order_id) is None:
        raise NotFound("there is no such order")
    return [ShipmentPublic.of(s) for s in service.shipments_of(ctx, order_id)]


@router.post(
    "/orders/{order_id}/shipments",
    response_model=ShipmentPublic,
    status_code=201,
    responses={200: {"description": "a replay of an earlier request with the same key"}},
)
def post_shipment(
    ctx: WarehouseCtx,
    order_id: int,
    body: ShipmentCreate,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Record a shipment (or one being prepared) for some lines of an approved order.
    ``Idempotency-Key`` is required (422 without it)."""
    assert ctx.actor is not None
    if ctx.session.get(Order, order_id) is None:
        raise NotFound("there is no such order")
    key = idempotency.check_key(idempotency_key or "")
    print_ = idempotency.fingerprint({"order_id": order_id, **body.model_dump(mode="json")})
    stored = idempotency.lookup(ctx.session, ctx.tenant.id, ctx.actor.id, key, print_)
    if stored is not None:
        shipment = service.shipment_for(ctx, int(stored.response["shipment_id"]))
        return JSONResponse(ShipmentPublic.of(shipment).model_dump(mode="json"), status_code=200)
    shipment = service.create_shipment(
        ctx,
        order_id,
        warehouse_id=body.warehouse_id,
        items=[service.ShipmentItem(x.order_line_id, x.quantity) for x in body.lines],
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        status=body.status,
    )
    idempotency.store(
        ctx.session, ctx.tenant.id, ctx.actor.id, key, print_, 201, {"shipment_id": shipment.id}
    )
    return JSONResponse(ShipmentPublic.of(shipment).model_dump(mode="json"), status_code=201)


@router.post("/orders/{order_id}/shipments/{shipment_id}/ship", response_model=ShipmentPublic)
def ship(
    ctx: WarehouseCtx, order_id: int, shipment_id: int, body: ShipmentShip | None = None
) -> ShipmentPublic:
    """A prepared shipment left the warehouse (409 if it was shipped already)."""
    body = body or ShipmentShip()
    shipment = service.mark_shipped(
        ctx,
        shipment_id,
        order_id=order_id,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
    )
    return ShipmentPublic.of(shipment)


@router.post("/orders/{order_id}/shipments/{shipment_id}/deliver", response_model=ShipmentPublic)
def deliver(ctx: WarehouseCtx, order_id: int, shipment_id: int) -> ShipmentPublic:
    """A shipped shipment arrived (409 unless it is shipped)."""
    return ShipmentPublic.of(service.mark_delivered(ctx, shipment_id, order_id=order_id))
