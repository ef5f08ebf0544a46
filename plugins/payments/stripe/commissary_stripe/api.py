"""Saved cards per user: ``/t/<slug>/api/v1/stripe/cards``.

The browser turns card details into a ``pm_…`` id with Stripe.js (card numbers never
reach the portal); the buyer saves it here, and chooses it at checkout."""

from __future__ import annotations

import stripe
from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from commissary import ApiCtx, Conflict, Context, NotFound
from commissary_stripe import gateway

router = APIRouter(prefix="/stripe", tags=["stripe"])


class CardIn(BaseModel):
    payment_method: str = Field(pattern=gateway.PAYMENT_METHOD_ID.pattern)


class CardPublic(BaseModel):
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    @classmethod
    def of(cls, pm: stripe.PaymentMethod) -> CardPublic:
        card = pm.card
        assert card is not None
        return cls(
            id=pm.id,
            brand=str(card.brand),
            last4=str(card.last4),
            exp_month=int(card.exp_month),
            exp_year=int(card.exp_year),
        )


def _user(ctx: Context) -> tuple[int, str]:
    assert ctx.actor is not None
    return ctx.actor.id, ctx.actor.email


@router.get("/cards", response_model=list[CardPublic])
def my_cards(ctx: ApiCtx) -> list[CardPublic]:
    customer = gateway.customer_id(ctx, _user(ctx)[0])
    if customer is None:
        return []
    found = gateway.client(ctx).v1.payment_methods.list(
        params={"customer": customer, "type": "card"}
    )
    return [CardPublic.of(pm) for pm in found.data]


@router.post("/cards", response_model=CardPublic, status_code=201)
def save_card(ctx: ApiCtx, body: CardIn) -> CardPublic:
    user_id, email = _user(ctx)
    client = gateway.client(ctx)
    customer = gateway.ensure_customer(ctx, user_id, email)
    try:
        pm = client.v1.payment_methods.attach(body.payment_method, params={"customer": customer})
    except stripe.CardError as exc:
        raise Conflict(exc.user_message or "this card was declined", code=exc.code) from exc
    except stripe.InvalidRequestError as exc:
        raise NotFound("no such card") from exc
    return CardPublic.of(pm)


@router.delete("/cards/{payment_method}", status_code=204)
def delete_card(ctx: ApiCtx, payment_method: str) -> Response:
    customer = gateway.customer_id(ctx, _user(ctx)[0])
    client = gateway.client(ctx)
    try:
        pm = client.v1.payment_methods.retrieve(payment_method)
    except stripe.InvalidRequestError as exc:
        raise NotFound("no such card") from exc
    if customer is None or pm.customer != customer:
        raise NotFound("no such card")
    client.v1.payment_methods.detach(payment_method)
    return Response(status_code=204)
