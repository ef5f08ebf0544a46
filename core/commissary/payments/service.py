"""Authorize, capture, void and refund an order's tenders through the enabled methods.

Core keeps the amounts on the ``payments`` rows (one per tender) and changes them with
conditional UPDATEs, so concurrent decisions can never capture, release or refund more
than was authorized; the method plugin moves the money. How amounts are spread over the
tenders (points first, then the remainder method) is the *tape* rule of docs/payments.md,
implemented in :mod:`commissary.payments.allocation`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, update

from commissary.context import Context
from commissary.db import row_insert
from commissary.errors import Conflict, Forbidden, InsufficientFunds, Invalid, NotFound
from commissary.hooktypes import DraftLine
from commissary.money import POINTS, Money
from commissary.orders.models import Order
from commissary.payments import attempts
from commissary.payments.allocation import Slice, backward, forward, slice_money
from commissary.payments.base import (
    AuthorizeRequest,
    PaymentMethod,
    PaymentRef,
    PaymentResult,
    ResultState,
)
from commissary.payments.models import Payment, PaymentPolicy, PaymentState
from commissary.payments.policy import PaymentChoice, policy_for


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


def _insert_tender(
    ctx: Context,
    order_id: int,
    method: PaymentMethod,
    *,
    position: int,
    money: Money,
    points: int,
    rate: Decimal,
    capture: bool,
    reference: str,
) -> None:
    # A plain INSERT: written rows the request does not read again skip the unit of work.
    ctx.session.execute(
        row_insert(Payment),
        {
            "tenant_id": ctx.tenant.id,
            "order_id": order_id,
            "method": method.identifier,
            "currency": money.currency,
            "authorized": money.amount,
            "captured": money.amount if capture else Decimal(0),
            "released": Decimal(0),
            "state": PaymentState.CAPTURED if capture else PaymentState.AUTHORIZED,
            "reference": reference,
            "position": position,
            "rate": rate,
            "points": points,
            "points_captured": points if capture else 0,
        },
    )


def authorize_order(
    ctx: Context,
    order_id: int,
    payer_id: int,
    points: int,
    *,
    capture: bool,
    lines: tuple[DraftLine, ...] = (),
    choice: PaymentChoice | None = None,
    checkout_key: str = "",
) -> None:
    """Pay a new order: points first, the rest by the buyer's ``choice`` (split tender).

    Without a choice this is the points-only path, exactly as fast as before: one ledger
    move and one INSERT. With a choice, the tenant's policy must allow the method; the
    points tender takes what the wallet holds and the method authorizes the remainder,
    converted at the policy's point value. A decline raises (409) and the caller's
    transaction rolls back, so no half-paid order is ever stored.
    """
    if choice is None:
        _authorize_points(ctx, order_id, payer_id, points, capture=capture, lines=lines)
        return
    policy = policy_for(ctx)
    method, data = _chosen_method(ctx, policy, choice)
    wallet = _points_method(ctx)
    available = 0
    if wallet is not None:
        available = max(0, int(wallet.balance(payer_id) or 0))
    covered = min(points, available)
    if covered or (wallet is not None and covered == points):
        _authorize_points(ctx, order_id, payer_id, covered, capture=capture, lines=lines)
    remainder = points - covered
    if remainder == 0:
        return
    assert policy is not None
    money = Money(remainder * policy.point_value, policy.currency).rounded()
    request = AuthorizeRequest(
        order_id=order_id,
        payer_id=payer_id,
        amount=money.amount,
        currency=money.currency,
        idempotency_key=f"checkout:{ctx.tenant.id}:{payer_id}:{checkout_key}:{method.identifier}",
        capture=capture,
        lines=lines,
        method_data=data,
    )
    result = method.authorize(request)
    if not result.ok:
        raise InsufficientFunds(
            result.message or f"{method.label} declined the payment", code=result.decline_code
        )
    payment_id = ctx.session.scalars(
        row_insert(Payment).returning(Payment.id),
        [
            {
                "tenant_id": ctx.tenant.id,
                "order_id": order_id,
                "method": method.identifier,
                "currency": money.currency,
                "authorized": money.amount,
                "captured": money.amount if capture else Decimal(0),
                "released": Decimal(0),
                "state": PaymentState.CAPTURED if capture else PaymentState.AUTHORIZED,
                "reference": result.reference,
                "position": 1,
                "rate": policy.point_value,
                "points": remainder,
                "points_captured": remainder if capture else 0,
            }
        ],
    ).one()
    if method.records_attempts:
        attempts.record(ctx, payment_id, "authorize", request.idempotency_key, result, money)


def _chosen_method(
    ctx: Context, policy: PaymentPolicy | None, choice: PaymentChoice
) -> tuple[PaymentMethod, dict[str, str]]:
    """The remainder method the buyer chose, checked against the tenant's policy."""
    if policy is None or not policy.remainder_methods:
        raise Invalid("this portal takes points only; remove the payment choice")
    if choice.method not in policy.remainder_methods:
        offered = ", ".join(str(m) for m in policy.remainder_methods)
        raise Invalid(f"pay the remainder with one of: {offered}")
    method = next((cls for i, cls in ctx.hooks.payment_methods() if i == choice.method), None)
    if method is None or method.currency == POINTS:
        raise Invalid(f"payment method {choice.method} is not enabled for this portal")
    if method.personal and not policy.employee_card:
        raise Forbidden("this portal does not let employees pay with their own card")
    instance = method(ctx)
    return instance, instance.clean_method_data(choice.data)


def _authorize_points(
    ctx: Context,
    order_id: int,
    payer_id: int,
    points: int,
    *,
    capture: bool,
    lines: tuple[DraftLine, ...],
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
    _insert_tender(
        ctx,
        order_id,
        method,
        position=0,
        money=Money.points(points),
        points=points,
        rate=Decimal(1),
        capture=capture,
        reference=result.reference,
    )


def authorize_points(
    ctx: Context,
    order_id: int,
    payer_id: int,
    points: int,
    *,
    capture: bool,
    lines: tuple[DraftLine, ...] = (),
) -> None:
    """Points-only payment (kept for callers of the first API; see ``authorize_order``)."""
    _authorize_points(ctx, order_id, payer_id, points, capture=capture, lines=lines)


def authorize_more(
    ctx: Context,
    order_id: int,
    payer_id: int,
    points: int,
    *,
    lines: tuple[DraftLine, ...],
    key: str,
) -> None:
    """Hold ``points`` more for an amended order, in points, as a new tender at the end of
    the order's tape (so later releases give these points back first). A short wallet
    raises 409 and the caller's transaction, amendment included, rolls back."""
    method = points_method(ctx)
    last = ctx.session.scalar(
        select(func.max(Payment.position)).where(Payment.order_id == order_id)
    )
    result = method.authorize(
        AuthorizeRequest(
            order_id=order_id,
            payer_id=payer_id,
            amount=Decimal(points),
            currency=POINTS,
            idempotency_key=key,
            capture=False,
            lines=lines,
        )
    )
    if not result.ok:
        raise InsufficientFunds(
            result.message or "not enough points for this change", code=result.decline_code
        )
    _insert_tender(
        ctx,
        order_id,
        method,
        position=(last if last is not None else -1) + 1,
        money=Money.points(points),
        points=points,
        rate=Decimal(1),
        capture=False,
        reference=result.reference,
    )


def tenders(ctx: Context, order_id: int) -> list[Payment]:
    return list(
        ctx.session.scalars(
            select(Payment).where(Payment.order_id == order_id).order_by(Payment.position)
        )
    )


def settle(
    ctx: Context, order_id: int, payer_id: int, *, capture: int, release: int, key: str
) -> None:
    """Capture ``capture`` points' worth and release ``release`` points' worth of the
    order's tenders: captures from the first tender on, releases from the last one back."""
    if capture == 0 and release == 0:
        return
    rows = tenders(ctx, order_id)
    if not rows:
        raise Conflict("this order has no payment to settle")
    open_points = [(row.points_captured, row.points_released, row.points) for row in rows]
    captures = forward(open_points, capture)
    releases = backward(open_points, release, captures)
    if captures is None or releases is None:
        raise Conflict("the order's payment has already been settled for these lines")
    for row, cap, rel in zip(rows, captures, releases, strict=True):
        if cap.points or rel.points:
            _move(ctx, row, payer_id, cap, rel, key)


def _move(ctx: Context, row: Payment, payer_id: int, cap: Slice, rel: Slice, key: str) -> None:
    cap_money = slice_money(cap, row.rate, row.currency)
    rel_money = slice_money(rel, row.rate, row.currency)
    moved = ctx.session.execute(
        update(Payment)
        .where(
            Payment.id == row.id,
            Payment.points_captured == cap.start,
            Payment.points_released == row.points - rel.end,
            Payment.points_captured + Payment.points_released + cap.points + rel.points
            <= Payment.points,
        )
        .values(
            points_captured=Payment.points_captured + cap.points,
            points_released=Payment.points_released + rel.points,
            captured=Payment.captured + cap_money,
            released=Payment.released + rel_money,
        )
        .returning(
            Payment.points,
            Payment.points_captured,
            Payment.points_released,
            Payment.points_refunded,
        )
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if moved is None:
        raise Conflict("the order's payment has already been settled for these lines")
    share, captured, released, refunded = moved
    method = method_for(ctx, row.method)
    if method.single_capture:
        # One capture per authorization: wait until every point is decided, then capture
        # the approved total less what was refunded meanwhile (approved lines cancelled
        # before the capture: see ``refund``); the gateway releases the rest. Nothing to
        # take: void the whole hold.
        if captured + released == share:
            total = slice_money(Slice(0, captured - refunded), row.rate, row.currency)
            if total:
                _call(ctx, method, row, payer_id, "capture", total, f"{key}:{row.id}:capture")
            else:
                _call(ctx, method, row, payer_id, "void", row.authorized, f"{key}:{row.id}:void")
                if captured:
                    _set_state(ctx, row.id, PaymentState.REFUNDED)
                    return
    else:
        # A span worth less than the currency's minor unit moves no money, calls nothing.
        if cap_money:
            _call(ctx, method, row, payer_id, "capture", cap_money, f"{key}:{row.id}:capture")
        if rel_money:
            _call(ctx, method, row, payer_id, "void", rel_money, f"{key}:{row.id}:void")
    if captured + released < share:
        state = PaymentState.PARTIALLY_CAPTURED if captured else PaymentState.AUTHORIZED
    else:
        state = PaymentState.CAPTURED if captured else PaymentState.VOIDED
    _set_state(ctx, row.id, state)


def _call(
    ctx: Context,
    method: PaymentMethod,
    row: Payment,
    payer_id: int,
    action: str,
    amount: Decimal,
    key: str,
) -> PaymentResult:
    """One gateway call, answered from the attempts table when this key succeeded before."""
    if method.records_attempts:
        earlier = attempts.succeeded(ctx, key)
        if earlier is not None:
            return earlier
    ref = PaymentRef(row.id, row.order_id, payer_id, row.reference, row.currency)
    result: PaymentResult = getattr(method, action)(ref, amount, key)
    if not result.ok:
        raise Conflict(result.message or f"payment {action} failed", code=result.decline_code)
    if method.records_attempts:
        attempts.record(ctx, row.id, action, key, result, Money(amount, row.currency))
    return result


def _set_state(ctx: Context, payment_id: int, state: PaymentState) -> None:
    ctx.session.execute(
        update(Payment)
        .where(Payment.id == payment_id)
        .values(state=state)
        .execution_options(synchronize_session=False)
    )


def refund(ctx: Context, order_id: int, points: int, *, key: str) -> list[Payment]:
    """Give back ``points`` worth of what was captured (amended or returned lines): from
    the last tender back, so the buyer's own money (card, PO) comes back before points.

    Every tender the refund reaches must be able to refund, or nothing happens (409).
    The amounts are moved first and the outside gateway is called last, so a gateway
    decline rolls everything back before any other money has moved.

    A ``single_capture`` tender whose lines are not all decided has not been captured at
    the gateway yet: its refund calls nothing and is taken off the one capture still to
    come (``_move`` captures the approved points less the refunded ones)."""
    if points <= 0:
        raise Invalid("refund at least one point's worth")
    rows = tenders(ctx, order_id)
    payer_id = ctx.session.scalar(select(Order.user_id).where(Order.id == order_id))
    if not rows or payer_id is None:
        raise NotFound("no such order")
    if points > sum(row.points_captured - row.points_refunded for row in rows):
        raise Conflict("that is more than was captured and not yet refunded")
    plan: list[tuple[Payment, PaymentMethod, Decimal]] = []
    left = points
    for row in reversed(rows):
        captured, refunded = row.points_captured, row.points_refunded
        take = min(left, captured - refunded)
        if take == 0:
            continue
        left -= take
        method = method_for(ctx, row.method)
        if type(method).refund is PaymentMethod.refund:
            raise Conflict(f"{method.label} cannot refund; refund fewer points")
        span = Slice(captured - refunded - take, captured - refunded)
        money = slice_money(span, row.rate, row.currency)
        checks = [
            Payment.id == row.id,
            Payment.points_refunded == refunded,
            Payment.points_refunded + take <= Payment.points_captured,
        ]
        if method.single_capture:
            # Whether the gateway captured already decides below whether to call it: a
            # decision that captured meanwhile makes this refund retry on the new state.
            checks += [
                Payment.points_captured == captured,
                Payment.points_released == row.points_released,
            ]
        moved = ctx.session.execute(
            update(Payment)
            .where(*checks)
            .values(
                points_refunded=Payment.points_refunded + take,
                refunded=Payment.refunded + money,
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("another refund of this order ran just now; look and retry")
        if refunded + take == captured and captured + row.points_released == row.points:
            _set_state(ctx, row.id, PaymentState.REFUNDED)
        if money:
            plan.append((row, method, money))
    for row, method, money in sorted(plan, key=lambda p: p[1].records_attempts):
        refund_key = f"{key}:{row.id}:refund"
        if method.single_capture and row.points_captured + row.points_released < row.points:
            if method.records_attempts and attempts.succeeded(ctx, refund_key) is None:
                note = "taken off the capture still to come; nothing was charged for it"
                result = PaymentResult(ResultState.REFUNDED, money, row.reference, "", note)
                attempts.record(
                    ctx, row.id, "refund", refund_key, result, Money(money, row.currency)
                )
            continue
        _call(ctx, method, row, payer_id, "refund", money, refund_key)
    ctx.session.expire_all()
    return tenders(ctx, order_id)
