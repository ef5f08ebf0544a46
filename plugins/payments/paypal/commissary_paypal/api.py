"""``POST /t/<slug>/api/v1/paypal/orders``: a PayPal order for the buyer to approve.

The storefront asks for the remainder it shows the buyer; checkout later checks that the
approved amount is exactly what the server computes, so a wrong figure only leads to a
clear decline, never to a wrong charge."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import BaseModel, Field

from commissary import ApiCtx, Conflict, check_idempotency_key
from commissary_paypal.client import PayPal, PayPalError
from commissary_paypal.method import buyer_reference

router = APIRouter(prefix="/paypal", tags=["paypal"])


class OrderIn(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class OrderOut(BaseModel):
    id: str
    status: str
    approve_url: str


@router.post("/orders", response_model=OrderOut, status_code=201)
def create_order(
    ctx: ApiCtx, body: OrderIn, idempotency_key: Annotated[str, Header(alias="Idempotency-Key")]
) -> OrderOut:
    assert ctx.actor is not None
    key = check_idempotency_key(idempotency_key)
    reference = buyer_reference(ctx.tenant.id, ctx.actor.id)
    try:
        order = PayPal(ctx).create_order(
            body.amount, body.currency, reference, f"{reference}:{key}"
        )
    except PayPalError as exc:
        raise Conflict("PayPal did not accept the payment; try again", code=exc.name) from exc
    links = {link.get("rel"): link.get("href", "") for link in order.get("links", [])}
    return OrderOut(
        id=str(order["id"]),
        status=str(order.get("status", "")),
        approve_url=str(links.get("approve") or links.get("payer-action") or ""),
    )
