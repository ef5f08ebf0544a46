"""Paying the remainder with PayPal (Orders v2, intent AUTHORIZE).

- ``authorize``: the buyer's approved PayPal order must be theirs (its reference names the
  tenant and the buyer) and carry exactly the amount the server computed; it is then
  authorized. An order approved at once is captured straight away.
- ``single_capture``: one final capture of the approved total when every line is decided,
  or a void when none was approved. Refunds go to that capture.
- Every call carries core's idempotency key as ``PayPal-Request-Id``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

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
from commissary_paypal.client import PayPal, PayPalError, money

log = logging.getLogger(__name__)
ORDER_ID = re.compile(r"^[A-Z0-9]{5,40}$")
UNAVAILABLE = "PayPal did not answer; nothing was charged, try again"


def buyer_reference(tenant_id: int, user_id: int) -> str:
    return f"commissary:{tenant_id}:{user_id}"


def _first_unit(order: Any) -> dict[str, Any]:
    units = order.get("purchase_units") or [{}] if isinstance(order, dict) else [{}]
    return dict(units[0])


class PayPalPayment(PaymentMethod):
    identifier = "paypal"
    label = "PayPal"
    currency = TENANT_CURRENCY
    personal = True
    single_capture = True

    def checkout_fields(self, payer_id: int) -> list[CheckoutField] | None:
        """Not on the cart page: the buyer approves on PayPal's own page first (API flow
        in docs/payments.md)."""
        return None

    def clean_method_data(self, data: Mapping[str, str]) -> dict[str, str]:
        order_id = data.get("order_id", "")
        if set(data) != {"order_id"} or not ORDER_ID.match(order_id):
            raise Invalid("approve the payment with PayPal first: order_id is missing")
        return {"order_id": order_id}

    def authorize(self, request: AuthorizeRequest) -> PaymentResult:
        paypal = PayPal(self.ctx)
        order_id = request.method_data["order_id"]
        try:
            order = paypal.get_order(order_id)
        except PayPalError as exc:
            if exc.status == 404:
                return PaymentResult.declined("unknown_order", "approve the payment again")
            log.warning("paypal order lookup failed: %s", exc.name)
            return PaymentResult.declined("gateway_unavailable", UNAVAILABLE)
        unit = _first_unit(order)
        if unit.get("reference_id") != buyer_reference(self.ctx.tenant.id, request.payer_id):
            return PaymentResult.declined("unknown_order", "approve the payment again")
        expected = money(request.amount, request.currency)
        if (
            unit.get("amount", {}).get("value") != expected["value"]
            or unit.get("amount", {}).get("currency_code") != expected["currency_code"]
        ):
            return PaymentResult.declined(
                "amount_mismatch",
                f"approve {expected['value']} {expected['currency_code']} with PayPal",
            )
        if order.get("status") != "APPROVED":
            return PaymentResult.declined("not_approved", "approve the payment with PayPal")
        try:
            done = paypal.authorize_order(order_id, request.idempotency_key)
            auths = _first_unit(done).get("payments", {}).get("authorizations", [])
            auth_id = str(auths[0]["id"]) if auths else ""
            if not auth_id or auths[0].get("status") not in {"CREATED", "CAPTURED"}:
                return PaymentResult.declined("declined", "PayPal declined the payment")
            reference = f"{order_id}/{auth_id}"
            if request.capture:
                paypal.capture(
                    auth_id, request.amount, request.currency, f"{request.idempotency_key}:c"
                )
                return PaymentResult(ResultState.CAPTURED, request.amount, reference=reference)
        except PayPalError as exc:
            log.warning("paypal authorization failed: %s", exc.name)
            return PaymentResult.declined("declined", "PayPal declined the payment")
        return PaymentResult(ResultState.AUTHORIZED, request.amount, reference=reference)

    def capture(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        auth_id = payment.reference.split("/")[-1]
        try:
            reply = PayPal(self.ctx).capture(auth_id, amount, payment.currency, idempotency_key)
        except PayPalError as exc:
            log.warning("paypal capture failed: %s", exc.name)
            return PaymentResult.declined("capture_failed", "the PayPal capture failed")
        if reply.get("status") not in {"COMPLETED", "PENDING"}:
            return PaymentResult.declined("capture_failed", "the PayPal capture failed")
        return PaymentResult(ResultState.CAPTURED, amount, reference=str(reply.get("id", "")))

    def void(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        try:
            PayPal(self.ctx).void(payment.reference.split("/")[-1], idempotency_key)
        except PayPalError as exc:
            log.warning("paypal void failed: %s", exc.name)
            return PaymentResult.declined("void_failed", "the PayPal authorization was not voided")
        return PaymentResult(ResultState.VOIDED, amount, reference=payment.reference)

    def refund(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        paypal = PayPal(self.ctx)
        try:
            order = paypal.get_order(payment.reference.split("/")[0])
            captures = _first_unit(order).get("payments", {}).get("captures", [])
            if not captures:
                return PaymentResult.declined("not_captured", "nothing was captured to refund")
            reply = paypal.refund(str(captures[0]["id"]), amount, payment.currency, idempotency_key)
        except PayPalError as exc:
            log.warning("paypal refund failed: %s", exc.name)
            return PaymentResult.declined("refund_failed", "the PayPal refund failed")
        return PaymentResult(ResultState.REFUNDED, amount, reference=str(reply.get("id", "")))

    def handle_webhook(self, request: WebhookRequest) -> list[WebhookUpdate]:
        """Fresh (transmission time within the tolerance) and verified by PayPal's
        ``verify-webhook-signature`` for this tenant's webhook id, or refused."""
        paypal = PayPal(self.ctx)
        if not paypal.settings.webhook_id:
            raise WebhookRejected("no PayPal webhook id is set up for this portal")
        try:
            event = json.loads(request.body)
            sent = datetime.fromisoformat(request.headers["paypal-transmission-time"])
        except (ValueError, KeyError) as exc:
            raise WebhookRejected("not a PayPal webhook") from exc
        if not isinstance(event, dict) or sent.tzinfo is None:
            raise WebhookRejected("not a PayPal webhook")
        age = abs((request.received_at - sent).total_seconds())
        if age > paypal.settings.webhook_tolerance:
            raise WebhookRejected("the transmission time is outside the tolerance")
        try:
            verified = paypal.verify_webhook(dict(request.headers), event)
        except PayPalError as exc:
            raise WebhookRejected("PayPal could not verify the webhook") from exc
        if not verified:
            raise WebhookRejected("PayPal did not verify the signature")
        return _updates(event)


def _updates(event: dict[str, Any]) -> list[WebhookUpdate]:
    states = {
        "PAYMENT.AUTHORIZATION.CREATED": ResultState.AUTHORIZED,
        "PAYMENT.AUTHORIZATION.VOIDED": ResultState.VOIDED,
        "PAYMENT.CAPTURE.COMPLETED": ResultState.CAPTURED,
        "PAYMENT.CAPTURE.DENIED": ResultState.DECLINED,
        "PAYMENT.CAPTURE.REFUNDED": ResultState.REFUNDED,
    }
    state = states.get(str(event.get("event_type", "")))
    resource = event.get("resource")
    if state is None or not isinstance(resource, dict):
        return []
    related = resource.get("supplementary_data", {}).get("related_ids", {})
    order_id = related.get("order_id", "")
    auth_id = related.get("authorization_id") or (
        resource.get("id") if state in {ResultState.AUTHORIZED, ResultState.VOIDED} else ""
    )
    if not order_id or not auth_id:
        return []
    amount = Decimal(str(resource.get("amount", {}).get("value", "0")))
    return [WebhookUpdate(f"{order_id}/{auth_id}", state, amount, str(event.get("id", "")))]
