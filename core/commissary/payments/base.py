"""The payment-method provider: the small class every way to pay implements.

Shaped after pretix's ``BasePaymentProvider`` and Medusa's payment provider: one
instance per call site, a clear lifecycle (authorize → capture / void), and declines
returned as results, never raised. Every call carries an idempotency key so a retried
request never moves money twice.

A method runs inside the checkout's database transaction (``ctx.session``): a points
ledger commits or rolls back with the order. Methods that call an outside gateway do so
with the idempotency key, so a rollback after a successful call is repaired by retrying.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from commissary.context import Context
    from commissary.hooktypes import DraftLine


class ResultState(enum.StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    DECLINED = "declined"


@dataclass(frozen=True)
class PaymentResult:
    state: ResultState
    amount: Decimal
    reference: str = ""
    decline_code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.state is not ResultState.DECLINED

    @classmethod
    def declined(cls, code: str, message: str, amount: Decimal = Decimal(0)) -> PaymentResult:
        return cls(ResultState.DECLINED, amount, decline_code=code, message=message)


@dataclass(frozen=True)
class AuthorizeRequest:
    order_id: int
    payer_id: int
    amount: Decimal
    currency: str
    idempotency_key: str
    # Capture at once (an order that needs no approval) instead of holding.
    capture: bool = False
    category_ids: frozenset[int] = field(default_factory=frozenset)
    # The order's priced lines, so a method can pay only for some of them (points that
    # are spendable on one category only).
    lines: tuple[DraftLine, ...] = ()


@dataclass(frozen=True)
class PaymentRef:
    """What a method needs to act on an earlier authorization."""

    payment_id: int
    order_id: int
    payer_id: int
    reference: str
    currency: str


class PaymentMethod(ABC):
    """Subclass this and return the class from ``register_payment_methods``."""

    identifier: ClassVar[str]
    label: ClassVar[str]
    currency: ClassVar[str]

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def is_available(self, payer_id: int) -> bool:
        """Whether the payer may use this method at all (settings, account state)."""
        return True

    def balance(self, payer_id: int) -> Decimal | None:
        """Spendable balance to show the buyer, or None where the idea does not apply."""
        return None

    @abstractmethod
    def authorize(self, request: AuthorizeRequest) -> PaymentResult:
        """Hold (or, with ``request.capture``, take) the amount. Decline, never raise."""

    @abstractmethod
    def capture(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        """Take part or all of a held amount (the approved lines)."""

    @abstractmethod
    def void(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        """Release part or all of a held amount (the rejected lines)."""
