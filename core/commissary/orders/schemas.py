"""API shapes of carts and orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from commissary.entitlements.schemas import UsagePublic
from commissary.entitlements.service import Usage
from commissary.locations.service import ShipToChoice
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
    # The strictest entitlement covering the line, as it stands with the cart (GET /cart).
    entitlement: UsagePublic | None = None

    def with_entitlement(self, usage: Usage | None) -> CartLinePublic:
        return (
            self
            if usage is None
            else self.model_copy(update={"entitlement": UsagePublic.of(usage)})
        )

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
    # Kits in the cart (commissary.kits.api.CartKitPublic), each with its component lines.
    kits: list[Any] = Field(default_factory=list)
    total_points: int
    balance_points: int | None = None


class CheckoutRequest(BaseModel):
    """The body is part of the idempotency fingerprint. ``payment`` names how to pay what
    the buyer's points do not cover (split tender, per the tenant's policy); without it
    the order is paid with points only."""

    note: str = Field(default="", max_length=500)
    payment: PaymentChoiceIn | None = None
    # A manager orders their cart for a person they manage (see GET /orders/on-behalf).
    on_behalf_of: int | None = None
    # Where it ships: one of the buyer's locations (GET /me/locations), or an address of
    # their own where allowed. Neither: the buyer's default location.
    location_id: int | None = None
    ship_to_address: str = Field(default="", max_length=800)

    def ship_to(self) -> ShipToChoice:
        return ShipToChoice(self.location_id, self.ship_to_address)

    def payment_choice(self) -> PaymentChoice | None:
        if self.payment is None:
            return None
        return PaymentChoice(self.payment.method, dict(self.payment.data))


class OrderLinePublic(LinePublic):
    price_source: str
    kit_id: int | None = None
    kit_group: int | None = None
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
    placed_by_id: int | None
    version: int
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
            placed_by_id=order.placed_by_id,
            version=order.version,
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
                    kit_id=x.kit_id,
                    kit_group=x.kit_group,
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


class LineChangeIn(BaseModel):
    line_id: int
    quantity: int = Field(ge=0, le=MAX_LINE_QUANTITY, description="0 removes the line")


class AmendRequest(BaseModel):
    """Absolute new quantities for existing lines, new lines, and/or a new ship-to."""

    lines: list[LineChangeIn] = Field(default_factory=list, max_length=500)
    add: list[CartLineCreate] = Field(default_factory=list, max_length=500)
    location_id: int | None = None
    note: str = Field(default="", max_length=500)


class CancelRequest(BaseModel):
    """Without ``line_ids`` the whole order (what is not in fulfilment yet) is cancelled."""

    line_ids: list[int] | None = Field(default=None, max_length=500)
    reason: str = Field(default="", max_length=500)


class OrderVersionPublic(BaseModel):
    number: int
    at: datetime
    actor_id: int | None
    note: str
    changes: dict[str, object]
    lines: list[dict[str, object]]
    total_points: int
    location_id: int | None


class PersonPublic(BaseModel):
    id: int
    name: str
    email: str
    location_id: int | None
