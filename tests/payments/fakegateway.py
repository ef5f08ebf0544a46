"""A card gateway for core payment tests: an in-memory ledger that behaves like a real one
(it honours idempotency keys, never captures more than it authorized, signs webhooks
with HMAC and a timestamp). It exercises the core contract without a network; the Stripe
and PayPal plugins are tested against their own servers."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from commissary import (
    AuthorizeRequest,
    CheckoutField,
    Invalid,
    PaymentMethod,
    PaymentRef,
    PaymentResult,
    ResultState,
    WebhookRejected,
    WebhookRequest,
    WebhookUpdate,
    hookimpl,
)

SECRET = b"whsec_fake"
TOLERANCE = 300


@dataclass
class Charge:
    authorized: Decimal
    captured: Decimal = Decimal(0)
    voided: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)


@dataclass
class Ledger:
    charges: dict[str, Charge] = field(default_factory=dict)
    seen: dict[str, PaymentResult] = field(default_factory=dict)
    calls: list[tuple[str, str, Decimal]] = field(default_factory=list)
    decline_next: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        self.charges.clear()
        self.seen.clear()
        self.calls.clear()
        self.decline_next = False


LEDGER = Ledger()


class FakeCard(PaymentMethod):
    identifier = "fakecard"
    label = "Card"
    currency = "EUR"
    personal = True

    def checkout_fields(self, payer_id: int) -> list[CheckoutField] | None:
        return [CheckoutField("card", "Card", choices=(("card_visa", "Visa ending 4242"),))]

    def clean_method_data(self, data: Mapping[str, str]) -> dict[str, str]:
        card = data.get("card", "")
        if not card.startswith("card_"):
            raise Invalid("choose a saved card (card_…)")
        return {"card": card}

    def _once(self, key: str, action: str, amount: Decimal, run: object) -> PaymentResult:
        with LEDGER.lock:
            if key in LEDGER.seen:  # the gateway answers a retried key with its first reply
                return LEDGER.seen[key]
            LEDGER.calls.append((action, key, amount))
            result: PaymentResult = run()  # type: ignore[operator]
            LEDGER.seen[key] = result
            return result

    def authorize(self, request: AuthorizeRequest) -> PaymentResult:
        def run() -> PaymentResult:
            if LEDGER.decline_next:
                LEDGER.decline_next = False
                return PaymentResult.declined("card_declined", "Your card was declined.")
            ref = f"ch_{len(LEDGER.charges) + 1}"
            LEDGER.charges[ref] = Charge(request.amount)
            if request.capture:
                LEDGER.charges[ref].captured = request.amount
                return PaymentResult(ResultState.CAPTURED, request.amount, ref)
            return PaymentResult(ResultState.AUTHORIZED, request.amount, ref)

        return self._once(request.idempotency_key, "authorize", request.amount, run)

    def _move(self, payment: PaymentRef, amount: Decimal, key: str, action: str) -> PaymentResult:
        def run() -> PaymentResult:
            charge = LEDGER.charges[payment.reference]
            if action == "refund":
                if charge.refunded + amount > charge.captured:
                    return PaymentResult.declined("over_refund", "more than captured")
                charge.refunded += amount
                return PaymentResult(ResultState.REFUNDED, amount, payment.reference)
            if charge.captured + charge.voided + amount > charge.authorized:
                return PaymentResult.declined("over_capture", "more than authorized")
            if action == "capture":
                charge.captured += amount
                return PaymentResult(ResultState.CAPTURED, amount, payment.reference)
            charge.voided += amount
            return PaymentResult(ResultState.VOIDED, amount, payment.reference)

        return self._once(key, action, amount, run)

    def capture(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return self._move(payment, amount, idempotency_key, "capture")

    def void(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return self._move(payment, amount, idempotency_key, "void")

    def refund(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return self._move(payment, amount, idempotency_key, "refund")

    def handle_webhook(self, request: WebhookRequest) -> list[WebhookUpdate]:
        header = request.headers.get("fake-signature", "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        expected = sign(request.body, int(parts.get("t", "0") or 0))
        if not hmac.compare_digest(header, expected):
            raise WebhookRejected("bad signature")
        if abs(request.received_at.timestamp() - int(parts["t"])) > TOLERANCE:
            raise WebhookRejected("timestamp outside the tolerance")
        event = json.loads(request.body)
        return [
            WebhookUpdate(
                reference=event["charge"],
                state=ResultState(event["state"]),
                amount=Decimal(event["amount"]),
                event_id=event["id"],
            )
        ]


def sign(body: bytes, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(SECRET, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


class FakePO(PaymentMethod):
    """A company method (not personal) that cannot refund: the contract's default."""

    identifier = "fakepo"
    label = "Invoice"
    currency = "EUR"

    def authorize(self, request: AuthorizeRequest) -> PaymentResult:
        return PaymentResult(ResultState.AUTHORIZED, request.amount, f"po:{request.order_id}")

    def capture(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return PaymentResult(ResultState.CAPTURED, amount, payment.reference)

    def void(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return PaymentResult(ResultState.VOIDED, amount, payment.reference)


@hookimpl
def register_payment_methods() -> list[type[PaymentMethod]]:
    return [FakeCard, FakePO]
