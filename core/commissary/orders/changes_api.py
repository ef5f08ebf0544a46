"""Changing placed orders over the API: cancel, amend, versions, ordering for others."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from commissary import idempotency
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.orders import amend, changes, on_behalf
from commissary.orders.schemas import (
    AmendRequest,
    CancelRequest,
    OrderPublic,
    OrderVersionPublic,
    PersonPublic,
)
from commissary.web.deps import ApiUnit, api_unit

router = APIRouter(tags=["orders"])
OrderingUnit = Annotated[ApiUnit, Depends(api_unit(Permission.ORDER_PLACE))]


@router.post("/orders/{order_id}/cancel", response_model=OrderPublic)
async def cancel_order(unit: OrderingUnit, order_id: int, body: CancelRequest) -> OrderPublic:
    """Cancel the order, or the lines named, while no warehouse has started on them.
    Held points are released, spent points refunded, reserved stock returned."""
    return await unit.run(
        lambda ctx: OrderPublic.of(
            changes.cancel(ctx, order_id, line_ids=body.line_ids, reason=body.reason)
        )
    )


@router.post(
    "/orders/{order_id}/amend",
    response_model=OrderPublic,
    responses={409: {"description": "the order can no longer change, or points/stock short"}},
)
async def amend_order(
    unit: OrderingUnit,
    order_id: int,
    body: AmendRequest,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> JSONResponse:
    """Change quantities (0 removes a line), add lines, or change the ship-to location.
    Only the changed part goes through the approval rules again; the reply is the order
    as it is now, with its new ``version``. A retry with the same key changes nothing."""
    key = idempotency.check_key(idempotency_key)
    print_ = idempotency.fingerprint({"amend": order_id, **body.model_dump()})

    def work(ctx: Context) -> JSONResponse:
        assert ctx.actor is not None
        stored = idempotency.lookup(ctx.session, ctx.tenant.id, ctx.actor.id, key, print_)
        if stored is None:
            order = amend.amend(
                ctx,
                order_id,
                amend.Amendment(
                    changes=tuple(amend.LineChange(c.line_id, c.quantity) for c in body.lines),
                    additions=tuple(amend.NewLine(a.sku_id, a.quantity) for a in body.add),
                    location_id=body.location_id,
                    note=body.note,
                ),
            )
            idempotency.store(
                ctx.session, ctx.tenant.id, ctx.actor.id, key, print_, 200, {"order_id": order_id}
            )
        else:
            order = changes.reload(ctx, order_id)
        return JSONResponse(OrderPublic.of(order).model_dump(mode="json"))

    return await unit.run(work)


@router.get("/orders/{order_id}/versions", response_model=list[OrderVersionPublic])
async def order_versions(unit: OrderingUnit, order_id: int) -> list[OrderVersionPublic]:
    """Every version of the order with who changed what (empty until first amended)."""

    def work(ctx: Context) -> list[OrderVersionPublic]:
        changes.order_to_change(ctx, order_id)
        return [
            OrderVersionPublic.model_validate(v, from_attributes=True)
            for v in amend.versions(ctx, order_id)
        ]

    return await unit.run(work)


@router.get("/orders/on-behalf/people", response_model=list[PersonPublic])
async def people_to_order_for(unit: OrderingUnit) -> list[PersonPublic]:
    """The people you may place orders for (``on_behalf_of`` at checkout)."""
    return await unit.run(
        lambda ctx: [
            PersonPublic(id=p.id, name=p.name, email=p.email, location_id=p.location_id)
            for p in on_behalf.people(ctx)
        ]
    )


__all__ = ["router"]
