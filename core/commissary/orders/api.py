"""Cart, checkout and order REST routes.

These are the busiest routes of a portal, so each hands its whole unit of work (sign-in,
permission, the service call, building the reply, the commit) to one worker thread with
:class:`~commissary.web.deps.ApiUnit`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse

from commissary import idempotency
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.orders import history, service
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
    return CartPublic(
        lines=[CartLinePublic.of(x) for x in lines],
        total_points=sum(x.line_points for x in lines),
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
        order, replayed = service.submit(ctx, idempotency_key=key, request_print=print_)
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
