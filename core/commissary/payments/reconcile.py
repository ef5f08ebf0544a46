"""Reconciliation: a verified webhook whose news differs from our records updates them.

A gateway can move money without us: a refund or a cancellation made in its dashboard, or
a capture whose confirmation never reached our database. For the events that say what
the gateway holds now, the tender row is brought in line with one conditional UPDATE
(checked against the values read, so a concurrent change of ours wins and the event is
recorded without touching the row), and the change is recorded as an attempt of action
``reconcile`` next to the ``webhook`` attempt. An event whose news we already hold
changes nothing; the same event id twice is stopped earlier (``webhooks.receive``).

- **refunded** (Stripe ``charge.refunded``: the *running total* refunded on the charge,
  ``cumulative``): only once every line of the tender is decided (captured at the
  gateway). The gateway counts the remainder a partial capture released as refunded, so we
  expect ``refunded + released`` of our row; when the gateway's total is higher, the
  difference is refunded on our row too, taking captured points from the back of the
  tender (like a refund of ours), as many as the money covers. A gateway whose refund
  events carry one refund's amount (not cumulative) is not reconciled for refunds.
- **voided** (``payment_intent.canceled``): the hold is gone, so whatever is still open on
  the tender (undecided lines) is released.
- **captured** (``payment_intent.succeeded``: the total received): when every line of the
  tender is decided and the gateway took exactly what we approved, a tender still waiting
  for its capture is marked captured. A gateway that took a different amount is recorded
  as a declined ``reconcile`` attempt for staff to look at; no amount is invented.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from sqlalchemy import update

from commissary.context import Context
from commissary.money import Money
from commissary.payments import attempts
from commissary.payments.base import PaymentResult, ResultState, WebhookUpdate
from commissary.payments.models import Payment, PaymentState


def reconcile(ctx: Context, payment: Payment, news: WebhookUpdate, key: str) -> bool:
    """Bring ``payment`` in line with the gateway's ``news``; True when something changed
    (or a discrepancy was recorded)."""
    if news.state is ResultState.REFUNDED:
        return _refunded(ctx, payment, news, key)
    if news.state is ResultState.VOIDED:
        return _voided(ctx, payment, key)
    if news.state is ResultState.CAPTURED:
        return _captured(ctx, payment, news, key)
    return False


def _record(
    ctx: Context, payment: Payment, key: str, amount: Decimal, message: str, ok: bool = True
) -> None:
    result = (
        PaymentResult(ResultState.REFUNDED, amount, payment.reference, "", message)
        if ok
        else PaymentResult.declined("gateway_mismatch", message, amount)
    )
    attempts.record(
        ctx, payment.id, "reconcile", f"{key}:reconcile", result, Money(amount, payment.currency)
    )


def _refunded(ctx: Context, payment: Payment, news: WebhookUpdate, key: str) -> bool:
    if not news.cumulative or payment.open_points:
        return False
    more = min(news.amount - payment.released, payment.captured) - payment.refunded
    if more <= 0:
        return False
    total = payment.refunded + more
    open_points = payment.points_captured - payment.points_refunded
    points = open_points
    if payment.rate > 0:
        points = min(open_points, int((more / payment.rate).to_integral_value(ROUND_CEILING)))
    whole = total == payment.captured and payment.open_points == 0
    moved = ctx.session.execute(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.refunded == payment.refunded,
            Payment.points_refunded == payment.points_refunded,
        )
        .values(
            refunded=total,
            points_refunded=Payment.points_refunded + points,
            state=PaymentState.REFUNDED if whole else payment.state,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    _record(
        ctx,
        payment,
        key,
        more,
        f"refunded at the gateway, not by us: {more} {payment.currency} ({points} points)",
    )
    return True


def _voided(ctx: Context, payment: Payment, key: str) -> bool:
    if payment.open_amount <= 0 and payment.open_points == 0:
        return False
    released = payment.open_amount
    moved = ctx.session.execute(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.points_captured == payment.points_captured,
            Payment.points_released == payment.points_released,
        )
        .values(
            released=Payment.authorized - Payment.captured,
            points_released=Payment.points - Payment.points_captured,
            state=PaymentState.VOIDED if payment.captured == 0 else payment.state,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    _record(
        ctx,
        payment,
        key,
        released,
        f"the gateway cancelled the hold: {released} {payment.currency} released",
    )
    return True


def _captured(ctx: Context, payment: Payment, news: WebhookUpdate, key: str) -> bool:
    if payment.state in (PaymentState.CAPTURED, PaymentState.REFUNDED):
        if news.amount == payment.captured:
            return False
    elif payment.open_points == 0 and news.amount == payment.captured:
        moved = ctx.session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.state == payment.state)
            .values(state=PaymentState.CAPTURED)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            _record(ctx, payment, key, news.amount, "capture confirmed by the gateway")
            return True
        return False
    elif news.amount <= payment.captured:
        return False  # lines still being decided; the capture we asked for is on its way
    _record(
        ctx,
        payment,
        key,
        news.amount,
        f"the gateway took {news.amount} {payment.currency}; we approved {payment.captured}",
        ok=False,
    )
    return True
