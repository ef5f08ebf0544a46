"""API shapes of carts and orders."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from commissary.orders.models import Order, OrderEvent
from commissary.orders.service import MAX_LINE_QUANTITY, PricedCartLine
from commissary.payments.policy import PaymentChoice
from commissary.payments.schemas import PaymentChoiceIn


class CartLineCreate(BaseModel):
    sku_id: int
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class CartLineUpdate(BaseModel):
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class LinePublic(BaseModel):
    """What cart lines and order lines both show."""

    id: int
    sku_id: int
    sku_code: str
    description: str
    quantity: int
    unit_points: int
    line_points: int


class CartLinePublic(LinePublic):
    @classmethod
    def of(cls, item: PricedCartLine) -> CartLinePublic:
        return cls(
            id=item.line.id,
            sku_id=item.sku.id,
            sku_code=item.sku.code,
            description=f"{item.product.name} — {item.sku.label}",
            quantity=item.line.quantity,
            unit_points=item.unit_points,
            line_points=item.line_points,
        )


class CartPublic(BaseModel):
    lines: list[CartLinePublic]
    total_points: int
    balance_points: int | None = None


class CheckoutRequest(BaseModel):
    """The body is part of the idempotency fingerprint. ``payment`` names how to pay what
    the buyer's points do not cover (split tender, per the tenant's policy); without it
    the order is paid with points only."""

    note: str = Field(default="", max_length=500)
    payment: PaymentChoiceIn | None = None

    def payment_choice(self) -> PaymentChoice | None:
        if self.payment is None:
            return None
        return PaymentChoice(self.payment.method, dict(self.payment.data))


class OrderLinePublic(LinePublic):
    price_source: str
    status: str
    decision_reason: str
    decided_at: datetime | None


class OrderSummary(BaseModel):
    id: int
    number: str
    status: str
    total_points: int
    submitted_at: datetime


class OrderEventPublic(BaseModel):
    at: datetime
    kind: str
    actor_id: int | None
    detail: dict[str, object]

    @classmethod
    def of(cls, e: OrderEvent) -> OrderEventPublic:
        return cls(at=e.at, kind=e.kind, actor_id=e.actor_id, detail=e.detail)


class OrderPublic(OrderSummary):
    buyer_id: int
    location_id: int | None
    ship_to: str
    approval: list[dict[str, object]]
    lines: list[OrderLinePublic]
    approved_points: int
    rejected_points: int

    @classmethod
    def of(cls, order: Order) -> OrderPublic:
        return cls(
            id=order.id,
            number=order.number,
            status=order.status.value,
            total_points=order.total_points,
            submitted_at=order.submitted_at,
            buyer_id=order.user_id,
            location_id=order.location_id,
            ship_to=order.ship_to,
            approval=order.approval,
            approved_points=sum(x.line_points for x in order.lines if x.status == "approved"),
            rejected_points=sum(x.line_points for x in order.lines if x.status == "rejected"),
            lines=[
                OrderLinePublic(
                    id=x.id,
                    sku_id=x.sku_id,
                    sku_code=x.sku_code,
                    description=x.description,
                    quantity=x.quantity,
                    unit_points=x.unit_points,
                    line_points=x.line_points,
                    price_source=x.price_source,
                    status=x.status.value,
                    decision_reason=x.decision_reason,
                    decided_at=x.decided_at,
                )
                for x in order.lines
            ],
        )


def summary(order: Order) -> OrderSummary:
    return OrderSummary(
        id=order.id,
        number=order.number,
        status=order.status.value,
        total_points=order.total_points,
        submitted_at=order.submitted_at,
    )
