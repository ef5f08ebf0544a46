"""Paying by card through Stripe PaymentIntents.

- ``authorize``: a PaymentIntent on one of the payer's saved cards, confirmed at once;
  ``capture_method=manual`` for orders that wait for approval (the amount is held),
  automatic for orders approved at once. A card that needs 3-D Secure cannot be charged
  without the buyer at hand: the intent is cancelled and the checkout declined.
- ``single_capture``: Stripe captures an intent once, so core calls ``capture`` once with
  the approved total when every line is decided; Stripe releases the rest. Nothing
  approved: ``void`` cancels the intent.
- Every call carries core's idempotency key as Stripe's ``Idempotency-Key``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal

import stripe

from commissary import (
    TENANT_CURRENCY,
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
)
from commissary_stripe import gateway
from commissary_stripe.settings import StripeSettings

log = logging.getLogger(__name__)
UNAVAILABLE = "the card service did not answer; nothing was charged, try again"


class StripeCard(PaymentMethod):
    identifier = "stripe"
    label = "Card"
    currency = TENANT_CURRENCY
    personal = True
    single_capture = True

    def checkout_fields(self, payer_id: int) -> list[CheckoutField] | None:
        """A choice among the payer's saved cards; not offered until they saved one."""
        customer = gateway.customer_id(self.ctx, payer_id)
        if customer is None:
            return None
        try:
            found = gateway.client(self.ctx).v1.payment_methods.list(
                params={"customer": customer, "type": "card"}
            )
        except stripe.StripeError as exc:
            log.warning("stripe card list failed: %s", type(exc).__name__)
            return None
        cards = tuple(
            (pm.id, f"{c.brand} ending {c.last4}, expires {c.exp_month}/{c.exp_year}")
            for pm in found.data
            if (c := pm.card) is not None
        )
        if not cards:
            return None
        return [CheckoutField("payment_method", "Card", choices=cards)]

    def clean_method_data(self, data: Mapping[str, str]) -> dict[str, str]:
        pm = data.get("payment_method", "")
        if set(data) != {"payment_method"} or not gateway.PAYMENT_METHOD_ID.match(pm):
            raise Invalid("choose one of your saved cards: payment_method must be a pm_… id")
        return {"payment_method": pm}

    def authorize(self, request: AuthorizeRequest) -> PaymentResult:
        customer = gateway.customer_id(self.ctx, request.payer_id)
        pm_id = request.method_data.get("payment_method", "")
        client = gateway.client(self.ctx)
        try:
            pm = client.v1.payment_methods.retrieve(pm_id)
        except stripe.InvalidRequestError:
            pm = None
        except stripe.StripeError as exc:
            log.warning("stripe payment method lookup failed: %s", type(exc).__name__)
            return PaymentResult.declined("gateway_unavailable", UNAVAILABLE)
        if pm is None or customer is None or pm.customer != customer:
            return PaymentResult.declined("unknown_card", "choose one of your saved cards")
        params: dict[str, object] = {
            "amount": gateway.minor_units(request.amount, request.currency),
            "currency": request.currency.lower(),
            "customer": customer,
            "payment_method": pm_id,
            "payment_method_types": ["card"],
            "confirm": True,
            "capture_method": "automatic" if request.capture else "manual",
            "metadata": {
                "commissary_order": str(request.order_id),
                "commissary_key": request.idempotency_key,
            },
        }
        try:
            intent = client.v1.payment_intents.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.CardError as exc:
            return PaymentResult.declined(
                exc.code or "card_declined", exc.user_message or "Your card was declined."
            )
        except stripe.StripeError as exc:
            log.warning("stripe authorization failed: %s", type(exc).__name__)
            return PaymentResult.declined("gateway_unavailable", UNAVAILABLE)
        expected = "succeeded" if request.capture else "requires_capture"
        if intent.status != expected:
            self._cancel(intent.id, f"{request.idempotency_key}:cancel")
            if intent.status == "requires_action":
                return PaymentResult.declined(
                    "authentication_required",
                    "This card asks for 3-D Secure; choose another saved card.",
                )
            return PaymentResult.declined("card_declined", "Your card was declined.")
        state = ResultState.CAPTURED if request.capture else ResultState.AUTHORIZED
        return PaymentResult(state, request.amount, reference=intent.id)

    def _cancel(self, intent_id: str, key: str) -> bool:
        try:
            gateway.client(self.ctx).v1.payment_intents.cancel(
                intent_id, options={"idempotency_key": key}
            )
        except stripe.StripeError:
            return False
        return True

    def _status(self, intent_id: str) -> str:
        try:
            return str(gateway.client(self.ctx).v1.payment_intents.retrieve(intent_id).status)
        except stripe.StripeError:
            return ""

    def capture(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        try:
            gateway.client(self.ctx).v1.payment_intents.capture(
                payment.reference,
                params={"amount_to_capture": gateway.minor_units(amount, payment.currency)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            # A retry after a crash finds the intent captured already: that is success.
            if self._status(payment.reference) != "succeeded":
                log.warning("stripe capture failed: %s", type(exc).__name__)
                return PaymentResult.declined("capture_failed", "the card capture failed")
        return PaymentResult(ResultState.CAPTURED, amount, reference=payment.reference)

    def void(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        released = self._cancel(payment.reference, idempotency_key)
        if not released and self._status(payment.reference) != "canceled":
            return PaymentResult.declined("void_failed", "the card hold was not released")
        return PaymentResult(ResultState.VOIDED, amount, reference=payment.reference)

    def refund(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        try:
            refund = gateway.client(self.ctx).v1.refunds.create(
                params={
                    "payment_intent": payment.reference,
                    "amount": gateway.minor_units(amount, payment.currency),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            log.warning("stripe refund failed: %s", type(exc).__name__)
            return PaymentResult.declined("refund_failed", "the card refund failed")
        return PaymentResult(ResultState.REFUNDED, amount, reference=str(refund.id))

    def handle_webhook(self, request: WebhookRequest) -> list[WebhookUpdate]:
        settings = self.ctx.settings(StripeSettings)
        secret = settings.webhook_secret.get_secret_value()
        if not secret:
            raise WebhookRejected("no webhook secret is set up for this portal")
        try:
            event = stripe.Webhook.construct_event(
                request.body.decode("utf-8"),
                request.headers.get("stripe-signature", ""),
                secret,
                tolerance=settings.webhook_tolerance,
            )
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
            raise WebhookRejected("signature or timestamp check failed") from exc
        return _updates(event.to_dict())


def _updates(event: dict[str, object]) -> list[WebhookUpdate]:
    """What one Stripe event says about a PaymentIntent, in major units."""
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        return []
    kind, event_id = str(event.get("type", "")), str(event.get("id", ""))
    currency = str(obj.get("currency", "eur")).upper()
    places = 0 if currency in gateway.ZERO_DECIMAL else 2

    def major(key: str) -> Decimal:
        return Decimal(int(obj.get(key) or 0)).scaleb(-places)

    states = {
        "payment_intent.succeeded": (ResultState.CAPTURED, "amount_received"),
        "payment_intent.amount_capturable_updated": (ResultState.AUTHORIZED, "amount_capturable"),
        "payment_intent.canceled": (ResultState.VOIDED, "amount"),
        "payment_intent.payment_failed": (ResultState.DECLINED, "amount"),
    }
    # Stripe's amounts are running totals of the intent or charge (cumulative).
    if kind in states:
        state, key = states[kind]
        return [WebhookUpdate(str(obj.get("id")), state, major(key), event_id, cumulative=True)]
    if kind == "charge.refunded" and obj.get("payment_intent"):
        return [
            WebhookUpdate(
                str(obj["payment_intent"]),
                ResultState.REFUNDED,
                major("amount_refunded"),
                event_id,
                cumulative=True,
            )
        ]
    return []
