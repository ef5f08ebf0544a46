"""Inbound gateway webhooks: verified by the method, deduplicated by event id, recorded.

``POST /t/<slug>/api/v1/payments/webhooks/<method>`` hands the raw body and headers to the
enabled method's ``handle_webhook``. A bad signature or a stale timestamp is refused (400)
before anything is read or written. Each verified event is recorded once as an attempt of
action ``webhook`` on the payment it names (key ``webhook:<method>:<event id>``), so a
replayed delivery changes nothing. When the event says the gateway holds something else
than our records (a refund or a cancellation made in the gateway's dashboard, a capture
whose confirmation we missed), the tender is brought in line and the change recorded as
a ``reconcile`` attempt (:mod:`commissary.payments.reconcile`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from commissary.context import Context
from commissary.errors import DomainError, NotFound
from commissary.money import Money
from commissary.payments import attempts
from commissary.payments.base import PaymentResult, WebhookRejected, WebhookRequest
from commissary.payments.models import Payment
from commissary.payments.reconcile import reconcile


class WebhookRefused(DomainError):
    status_code = 400
    code = "webhook_refused"


def receive(
    ctx: Context, method_id: str, headers: Mapping[str, str], body: bytes
) -> dict[str, int]:
    """Verify and record one delivery; answers how many events were new."""
    cls = next((c for i, c in ctx.hooks.payment_methods() if i == method_id), None)
    if cls is None:
        raise NotFound("no such payment method")
    method = cls(ctx)
    request = WebhookRequest({k.lower(): v for k, v in headers.items()}, body, ctx.now)
    try:
        updates = method.handle_webhook(request)
    except WebhookRejected as exc:
        raise WebhookRefused(str(exc) or "webhook refused") from exc
    recorded = unknown = duplicate = 0
    for update in updates:
        payment = ctx.session.scalar(
            select(Payment).where(
                Payment.method == method_id, Payment.reference == update.reference
            )
        )
        if payment is None:
            unknown += 1
            continue
        key = f"webhook:{method_id}:{update.event_id}"
        if attempts.seen(ctx, key):
            duplicate += 1
            continue
        result = PaymentResult(update.state, update.amount, update.reference, "", update.message)
        attempts.record(
            ctx, payment.id, "webhook", key, result, Money(update.amount, payment.currency)
        )
        recorded += 1
        reconcile(ctx, payment, update, key)
    return {"recorded": recorded, "duplicate": duplicate, "unknown": unknown}
