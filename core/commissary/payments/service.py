"""Authorize, capture and void an order's tenders through the enabled payment methods.

Core keeps the amounts (authorized / captured / released) on the ``payments`` row and
changes them with conditional UPDATEs, so concurrent decisions can never capture or
release more than was authorized; the method plugin moves the money.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update

from commissary.context import Context
from commissary.db import row_insert
from commissary.errors import Conflict, InsufficientFunds
from commissary.hooktypes import DraftLine
from commissary.money import POINTS
from commissary.payments.base import AuthorizeRequest, PaymentMethod, PaymentRef
from commissary.payments.models import Payment, PaymentState


def _points_method(ctx: Context) -> PaymentMethod | None:
    for _identifier, cls in ctx.hooks.payment_methods():
        if cls.currency == POINTS:
            return cls(ctx)
    return None


def points_method(ctx: Context) -> PaymentMethod:
    """The enabled method that pays in points (the allowance plugin, by default)."""
    method = _points_method(ctx)
    if method is None:
        raise Conflict(
            "no way to pay in points is enabled for this portal; ask your administrator",
        )
    return method


def points_balance(ctx: Context) -> int | None:
    """The actor's spendable points, or None where no points method is enabled."""
    method = _points_method(ctx) if ctx.actor is not None else None
    if method is None or ctx.actor is None:
        return None
    balance = method.balance(ctx.actor.id)
    return None if balance is None else int(balance)


def method_for(ctx: Context, identifier: str) -> PaymentMethod:
    for candidate, cls in ctx.hooks.payment_methods():
        if candidate == identifier:
            return cls(ctx)
    raise Conflict(f"payment method {identifier} is no longer enabled for this portal")


def authorize_points(
    ctx: Context,
    order_id: int,
    payer_id: int,
    points: int,
    *,
    capture: bool,
    lines: tuple[DraftLine, ...] = (),
) -> None:
    method = points_method(ctx)
    result = method.authorize(
        AuthorizeRequest(
            order_id=order_id,
            payer_id=payer_id,
            amount=Decimal(points),
            currency=POINTS,
            idempotency_key=f"order:{order_id}:authorize",
            capture=capture,
            lines=lines,
        )
    )
    if not result.ok:
        raise InsufficientFunds(result.message or "payment declined", code=result.decline_code)
    # A plain INSERT: written rows the request does not read again skip the unit of work.
    ctx.session.execute(
        row_insert(Payment),
        {
            "tenant_id": ctx.tenant.id,
            "order_id": order_id,
            "method": method.identifier,
            "currency": POINTS,
            "authorized": Decimal(points),
            "captured": Decimal(points) if capture else Decimal(0),
            "released": Decimal(0),
            "state": PaymentState.CAPTURED if capture else PaymentState.AUTHORIZED,
            "reference": result.reference,
        },
    )


def settle(
    ctx: Context, order_id: int, payer_id: int, *, capture: int, release: int, key: str
) -> None:
    """Capture ``capture`` points and release ``release`` points of the order's hold."""
    if capture == 0 and release == 0:
        return
    payment = ctx.session.scalar(select(Payment).where(Payment.order_id == order_id))
    if payment is None:
        raise Conflict("this order has no payment to settle")
    cap, rel = Decimal(capture), Decimal(release)
    moved = ctx.session.execute(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.captured + Payment.released + cap + rel <= Payment.authorized,
        )
        .values(captured=Payment.captured + cap, released=Payment.released + rel)
        .returning(Payment.authorized, Payment.captured, Payment.released)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if moved is None:
        raise Conflict("the order's payment has already been settled for these lines")
    authorized, captured, released = moved
    ref = PaymentRef(payment.id, order_id, payer_id, payment.reference, POINTS)
    method = method_for(ctx, payment.method)
    for amount, action in ((cap, method.capture), (rel, method.void)):
        if amount:
            result = action(ref, amount, f"{key}:{action.__name__}")
            if not result.ok:
                raise Conflict(result.message or f"payment {action.__name__} failed")
    if captured + released < authorized:
        state = PaymentState.PARTIALLY_CAPTURED if captured else PaymentState.AUTHORIZED
    else:
        state = PaymentState.CAPTURED if captured else PaymentState.VOIDED
    ctx.session.execute(
        update(Payment)
        .where(Payment.id == payment.id)
        .values(state=state)
        .execution_options(synchronize_session=False)
    )
