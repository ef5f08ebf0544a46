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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from commissary.errors import Invalid, NotFound

if TYPE_CHECKING:
    from commissary.context import Context
    from commissary.hooktypes import DraftLine


# Not an ISO code: the method charges in whatever currency the tenant's policy names.
TENANT_CURRENCY = "tenant"


class ResultState(enum.StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    REFUNDED = "refunded"
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
    # What the buyer chose at checkout for this method (a PO number, a saved card id),
    # as returned by ``PaymentMethod.clean_method_data``.
    method_data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentRef:
    """What a method needs to act on an earlier authorization."""

    payment_id: int
    order_id: int
    payer_id: int
    reference: str
    currency: str


@dataclass(frozen=True)
class WebhookRequest:
    """An inbound call from a gateway, exactly as received: the signature covers the raw
    body, so nothing is parsed before the method has verified it."""

    headers: Mapping[str, str]  # lower-case names
    body: bytes
    received_at: datetime


@dataclass(frozen=True)
class WebhookUpdate:
    """What a verified webhook says happened to one payment, by its gateway reference.

    ``state`` is the gateway's news (captured, voided, refunded or declined); core records
    it as an attempt of action ``webhook`` on the payment whose reference matches.

    ``cumulative``: ``amount`` is the gateway's running total for that state (Stripe's
    ``amount_refunded`` on the charge, counting a partial capture's released remainder as
    refunded), not the amount of one movement. Only running totals can be compared with
    our records, so core reconciles refunds (``commissary.payments.reconcile``) only for
    cumulative updates."""

    reference: str
    state: ResultState
    amount: Decimal
    event_id: str
    message: str = ""
    cumulative: bool = False


class WebhookRejected(Exception):
    """Raised by ``handle_webhook`` for a bad signature or a stale timestamp: the route
    answers 400 and nothing changes."""


@dataclass(frozen=True)
class CheckoutField:
    """One input the checkout page shows for a method: a key of its ``method_data``.

    ``choices`` (value, label) make it a select (a saved card); ``pattern`` is the HTML
    pattern a text input is checked with before it is sent (``clean_method_data`` still
    decides)."""

    name: str
    label: str
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    pattern: str | None = None


class PaymentMethod(ABC):
    """Subclass this and return the class from ``register_payment_methods``.

    Class attributes say how core treats the method:

    - ``records_attempts``: core writes one ``payment_attempts`` row per call (action,
      amount, idempotency key, outcome). A method whose own ledger is written in the same
      transaction (the points allowance) sets it False: its ledger is the record, and the
      fast points-only checkout writes no extra row.
    - ``personal``: the payer's own money (an employee's card); offered only where the
      tenant's policy allows employees to pay the rest themselves.
    - ``single_capture``: the gateway captures an authorization once (a card
      PaymentIntent: a partial capture releases the rest). Core then keeps line decisions
      on its own rows and calls ``capture`` once, with the total of the approved lines
      (less approved lines refunded meanwhile, which call nothing), when every line the
      tender covers is decided — or ``void`` when nothing is left to take.
    - ``currency``: ``POINTS`` for a points method; a gateway that charges in the
      tenant's policy currency says ``TENANT_CURRENCY``.
    """

    identifier: ClassVar[str]
    label: ClassVar[str]
    currency: ClassVar[str]
    records_attempts: ClassVar[bool] = True
    personal: ClassVar[bool] = False
    single_capture: ClassVar[bool] = False

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

    def refund(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        """Give back part or all of a captured amount (lines amended after capture).

        A method that cannot refund keeps this default: a decline, which core reports as
        a 409 and which changes nothing."""
        return PaymentResult.declined("refund_unsupported", f"{self.label} cannot refund")

    def clean_method_data(self, data: Mapping[str, str]) -> dict[str, str]:
        """Check what the buyer sent for this method at checkout (before anything is
        written); raise ``commissary.Invalid`` with a clear message when it is wrong."""
        if data:
            raise Invalid(f"{self.label} takes no payment details")
        return {}

    def checkout_fields(self, payer_id: int) -> list[CheckoutField] | None:
        """What the checkout page asks for when the buyer picks this method for the rest.

        The default: nothing to ask (an empty list). Return ``None`` when the page cannot
        offer the method to this payer (no saved card yet, or a flow that needs the
        gateway's own page, like PayPal's approval); API clients may still use it."""
        return []

    def handle_webhook(self, request: WebhookRequest) -> list[WebhookUpdate]:
        """Verify and read a gateway's inbound call. Raise ``WebhookRejected`` when the
        signature or the timestamp is wrong; a method without webhooks keeps this default
        (the route answers 404)."""
        raise NotFound(f"{self.label} receives no webhooks")
