"""API shapes of payments: the checkout's payment choice, the policy, tenders, refunds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from commissary.payments.models import Payment, PaymentAttempt


class PaymentChoiceIn(BaseModel):
    """How the buyer pays what points do not cover: a method identifier (``stripe``,
    ``purchase_order``) and its details (a saved card's ``payment_method`` id, a
    ``po_number``). Points are always used first."""

    method: str = Field(min_length=1, max_length=60)
    data: dict[str, str] = Field(default_factory=dict, max_length=20)


class PolicyIn(BaseModel):
    remainder_methods: list[str] = Field(default_factory=list, max_length=10)
    employee_card: bool = False
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    point_value: Decimal = Field(gt=0, max_digits=18, decimal_places=6)


class PolicyPublic(PolicyIn):
    pass


class AttemptPublic(BaseModel):
    action: str
    amount: Decimal
    currency: str
    outcome: str
    reference: str
    decline_code: str
    created_at: datetime

    @classmethod
    def of(cls, a: PaymentAttempt) -> AttemptPublic:
        return cls(
            action=a.action,
            amount=a.amount,
            currency=a.currency,
            outcome=a.outcome.value,
            reference=a.reference,
            decline_code=a.decline_code,
            created_at=a.created_at,
        )


class TenderPublic(BaseModel):
    id: int
    position: int
    method: str
    currency: str
    state: str
    points: int
    authorized: Decimal
    captured: Decimal
    released: Decimal
    refunded: Decimal
    attempts: list[AttemptPublic]

    @classmethod
    def of(cls, p: Payment, attempts: list[PaymentAttempt]) -> TenderPublic:
        return cls(
            id=p.id,
            position=p.position,
            method=p.method,
            currency=p.currency,
            state=p.state.value,
            points=p.points,
            authorized=p.authorized,
            captured=p.captured,
            released=p.released,
            refunded=p.refunded,
            attempts=[AttemptPublic.of(a) for a in attempts if a.payment_id == p.id],
        )


class RefundIn(BaseModel):
    points: int = Field(gt=0, le=10_000_000)
    reason: str = Field(min_length=1, max_length=500)
