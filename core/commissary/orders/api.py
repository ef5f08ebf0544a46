"""Cart, checkout and order REST routes.

These are the busiest routes of a portal, so each hands its whole unit of work (sign-in,
permission, the service call, building the reply, the commit) to one worker thread with
:class:`~commissary.web.deps.ApiUnit`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from commissary import idempotency
from commissary.context import Context
from commissary.entitlements import service as entitlements
from commissary.identity.permissions import Permission
from commissary.kits import service as kit_service
from commissary.kits.api import CartKitPublic
from commissary.orders import history, quick, service
from commissary.orders.schemas import (
    CartLineCreate,
    CartLinePublic,
    CartLineUpdate,
    CartPublic,
    CheckoutRequest,
    OrderEventPublic,
    OrderPublic,
    OrderSummary,
    summary,
)
from commissary.payments.service import points_balance
from commissary.web.deps import ApiUnit, api_unit

router = APIRouter(tags=["orders"])
BuyerUnit = Annotated[ApiUnit, Depends(api_unit(Permission.ORDER_PLACE))]


def _cart(ctx: Context) -> CartPublic:
    lines = service.priced_cart(ctx)
    notes = entitlements.by_sku(
        ctx, [(x.sku.id, x.product.id, x.product.category_id) for x in lines]
    )
    assert ctx.actor is not None
    kits = kit_service.priced_cart_kits(ctx, ctx.actor.id) if kit_service.sold_here(ctx) else []
    return CartPublic(
        lines=[CartLinePublic.of(x).with_entitlement(notes.get(x.sku.id)) for x in lines],
        kits=[CartKitPublic.of(k) for k in kits],
        total_points=sum(x.line_points for x in lines) + sum(k.total_points for k in kits),
        balance_points=points_balance(ctx),
    )


@router.get("/cart", response_model=CartPublic)
async def get_cart(unit: BuyerUnit) -> CartPublic:
    return await unit.run(_cart)


@router.post("/cart/lines", response_model=CartLinePublic, status_code=201)
async def add_line(unit: BuyerUnit, body: CartLineCreate) -> CartLinePublic:
    """Add units of a SKU to the cart; a SKU already in the cart gets the units added.
    Answers with the line as it is now; ``GET /cart`` gives the whole cart."""
    return await unit.run(
        lambda ctx: CartLinePublic.of(service.add_to_cart(ctx, body.sku_id, body.quantity))
    )


@router.patch("/cart/lines/{line_id}", response_model=CartLinePublic)
async def update_line(unit: BuyerUnit, line_id: int, body: CartLineUpdate) -> CartLinePublic:
    return await unit.run(
        lambda ctx: CartLinePublic.of(service.set_quantity(ctx, line_id, body.quantity))
    )


@router.delete("/cart/lines/{line_id}", status_code=204)
async def delete_line(unit: BuyerUnit, line_id: int) -> Response:
    await unit.run(lambda ctx: service.remove_line(ctx, line_id))
    return Response(status_code=204)


@router.post(
    "/checkout",
    response_model=OrderPublic,
    status_code=201,
    responses={200: {"description": "a replay of an earlier request with the same key"}},
)
async def checkout(
    unit: BuyerUnit,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
    body: CheckoutRequest | None = None,
) -> JSONResponse:
    """Submit the cart as an order. Retrying with the same ``Idempotency-Key`` returns the
    same order (status 200) and never creates a second one."""
    key = idempotency.check_key(idempotency_key)
    print_ = idempotency.fingerprint((body or CheckoutRequest()).model_dump())

    def work(ctx: Context) -> JSONResponse:
        order, replayed = service.submit(
            ctx,
            idempotency_key=key,
            request_print=print_,
            payment=body.payment_choice() if body else None,
            on_behalf_of=body.on_behalf_of if body else None,
            ship_to=body.ship_to() if body else None,
        )
        return JSONResponse(
            OrderPublic.of(order).model_dump(mode="json"), status_code=200 if replayed else 201
        )

    return await unit.run(work)


@router.get("/orders", response_model=list[OrderSummary])
async def list_orders(
    unit: BuyerUnit,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[OrderSummary]:
    return await unit.run(
        lambda ctx: [summary(o) for o in service.my_orders(ctx, limit=limit, offset=offset)]
    )


@router.get("/orders/{order_id}", response_model=OrderPublic)
async def get_order(unit: BuyerUnit, order_id: int) -> OrderPublic:
    return await unit.run(lambda ctx: OrderPublic.of(service.order_for(ctx, order_id)))


@router.get("/orders/{order_id}/history", response_model=list[OrderEventPublic])
async def order_history(unit: BuyerUnit, order_id: int) -> list[OrderEventPublic]:
    def work(ctx: Context) -> list[OrderEventPublic]:
        service.order_for(ctx, order_id)
        return [OrderEventPublic.of(e) for e in history.events(ctx, order_id)]

    return await unit.run(work)


class QuickOrderLine(BaseModel):
    sku_code: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=service.MAX_LINE_QUANTITY)


class QuickOrderRequest(BaseModel):
    """Either ``lines`` or ``text`` (``CODE, quantity`` per line, or CSV)."""

    lines: list[QuickOrderLine] = Field(default_factory=list, max_length=quick.MAX_QUICK_LINES)
    text: str = Field(default="", max_length=200_000)


class BulkLines(BaseModel):
    lines: list[CartLineCreate] = Field(min_length=1, max_length=quick.MAX_QUICK_LINES)


class ReorderResult(BaseModel):
    added: list[CartLinePublic]
    skipped: list[str]


@router.post("/cart/quick-order", response_model=list[CartLinePublic], status_code=201)
async def quick_order(unit: BuyerUnit, body: QuickOrderRequest) -> list[CartLinePublic]:
    """Add several SKUs by code at once. All or nothing: any unknown code, SKU you may not
    order or refused quantity changes nothing, and the error names every bad line."""
    if body.lines:
        lines = [
            quick.QuickLine(line.sku_code.strip().upper(), line.quantity, number)
            for number, line in enumerate(body.lines, start=1)
        ]
    else:
        lines = quick.parse(body.text)
    return await unit.run(lambda ctx: [CartLinePublic.of(x) for x in quick.quick_order(ctx, lines)])


@router.post("/cart/lines/bulk", response_model=list[CartLinePublic], status_code=201)
async def add_lines(unit: BuyerUnit, body: BulkLines) -> list[CartLinePublic]:
    """Several SKUs at once (a size grid): all or nothing."""
    quantities: dict[int, int] = {}
    for line in body.lines:
        quantities[line.sku_id] = quantities.get(line.sku_id, 0) + line.quantity
    return await unit.run(
        lambda ctx: [CartLinePublic.of(x) for x in quick.add_many(ctx, quantities)]
    )


@router.post("/orders/{order_id}/reorder", response_model=ReorderResult)
async def reorder(unit: BuyerUnit, order_id: int) -> ReorderResult:
    """Put a past order's lines back in the cart; SKUs no longer orderable are skipped and
    named."""

    def work(ctx: Context) -> ReorderResult:
        done = quick.reorder(ctx, order_id)
        return ReorderResult(added=[CartLinePublic.of(x) for x in done.added], skipped=done.skipped)

    return await unit.run(work)
