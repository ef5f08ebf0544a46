"""Payment attempts: every gateway call (and every verified webhook) with its outcome.

The attempt's idempotency key is the gateway call's key. A retried request that reaches a
call whose key already succeeded gets the recorded result instead of a second call, so
money never moves twice even with a gateway that does not honour idempotency keys.
"""

from __future__ import annotations

from sqlalchemy import select

from commissary.context import Context
from commissary.db import row_insert
from commissary.money import Money
from commissary.payments.base import PaymentResult, ResultState
from commissary.payments.models import AttemptOutcome, PaymentAttempt

ACTION_STATES = {
    "authorize": ResultState.AUTHORIZED,
    "capture": ResultState.CAPTURED,
    "void": ResultState.VOIDED,
    "refund": ResultState.REFUNDED,
}


def record(
    ctx: Context,
    payment_id: int,
    action: str,
    key: str,
    result: PaymentResult,
    money: Money,
) -> None:
    ctx.session.execute(
        row_insert(PaymentAttempt),
        {
            "tenant_id": ctx.tenant.id,
            "payment_id": payment_id,
            "action": action,
            "amount": money.amount,
            "currency": money.currency,
            "idempotency_key": key[:255],
            "outcome": AttemptOutcome.OK if result.ok else AttemptOutcome.DECLINED,
            "reference": result.reference[:200],
            "decline_code": result.decline_code[:60],
            "message": result.message[:500],
            "created_at": ctx.now,
        },
    )


def succeeded(ctx: Context, key: str) -> PaymentResult | None:
    """The recorded result of an earlier successful call with this key, if any."""
    row = ctx.session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.idempotency_key == key[:255],
            PaymentAttempt.outcome == AttemptOutcome.OK,
        )
    )
    if row is None:
        return None
    state = ACTION_STATES.get(row.action, ResultState.AUTHORIZED)
    return PaymentResult(state, row.amount, reference=row.reference)


def for_payments(ctx: Context, payment_ids: list[int]) -> list[PaymentAttempt]:
    return list(
        ctx.session.scalars(
            select(PaymentAttempt)
            .where(PaymentAttempt.payment_id.in_(payment_ids))
            .order_by(PaymentAttempt.id)
        )
    )


def seen(ctx: Context, key: str) -> bool:
    """Whether any attempt (successful or not) was recorded under this key."""
    found = ctx.session.scalar(
        select(PaymentAttempt.id).where(PaymentAttempt.idempotency_key == key[:255])
    )
    return found is not None
