"""Paying with points: the allowance as a payment method.

``authorize`` tries the two-statement fast path first (general wallet only) and falls
back to the split path across restricted and general wallets; see
:mod:`commissary_allowance.checkout` for the rule. The reference says which path paid
(``wallet:<user>`` or ``wallets:<user>``), so capture and void know without a query.
"""

from __future__ import annotations

from decimal import Decimal

from commissary import (
    POINTS,
    AuthorizeRequest,
    PaymentMethod,
    PaymentRef,
    PaymentResult,
    ResultState,
)
from commissary_allowance import checkout, service
from commissary_allowance.models import EntryKind
from commissary_allowance.settings import AllowanceSettings


class AllowancePayment(PaymentMethod):
    identifier = "allowance"
    label = "Points allowance"
    currency = POINTS
    # The ledger, written in the order's transaction, is the record of every move.
    records_attempts = False

    def balance(self, payer_id: int) -> Decimal | None:
        return Decimal(service.balance(self.ctx.session, payer_id).available)

    def authorize(self, request: AuthorizeRequest) -> PaymentResult:
        points = int(request.amount)
        if points == 0:
            state = ResultState.CAPTURED if request.capture else ResultState.AUTHORIZED
            return PaymentResult(state, request.amount)
        kind = EntryKind.SPEND if request.capture else EntryKind.HOLD
        session, tenant_id, payer = self.ctx.session, self.ctx.tenant.id, request.payer_id
        reference = f"wallet:{payer}"
        moved = checkout.draw_general(
            session, tenant_id, payer, kind, points, request.idempotency_key, request.order_id
        )
        if not moved:
            reference = f"wallets:{payer}"
            moved = checkout.draw_split(
                session,
                tenant_id,
                payer,
                kind,
                points,
                request.lines,
                request.idempotency_key,
                request.order_id,
            )
        if not moved:
            have = service.balance(self.ctx.session, request.payer_id).available
            label = self.ctx.settings(AllowanceSettings).points_label
            return PaymentResult.declined(
                "insufficient_points",
                f"You have {have:,} {label}; this order needs {points:,}.",
                request.amount,
            )
        state = ResultState.CAPTURED if request.capture else ResultState.AUTHORIZED
        return PaymentResult(state, request.amount, reference=reference)

    def _settle(
        self, payment: PaymentRef, amount: Decimal, key: str, kind: EntryKind
    ) -> PaymentResult:
        if payment.reference.startswith("wallets:") and kind is EntryKind.REFUND:
            moved = checkout.refund_split(
                self.ctx.session, self.ctx.tenant.id, payment.order_id, int(amount), key
            )
        elif payment.reference.startswith("wallets:"):
            moved = checkout.settle_split(
                self.ctx.session, self.ctx.tenant.id, payment.order_id, kind, int(amount), key
            )
        else:
            moved = service.move(
                self.ctx.session,
                self.ctx.tenant.id,
                payment.payer_id,
                kind,
                int(amount),
                key=key,
                order_id=payment.order_id,
            )
        if not moved:
            return PaymentResult.declined("hold_missing", "the points hold does not cover this")
        state = {
            EntryKind.CAPTURE: ResultState.CAPTURED,
            EntryKind.RELEASE: ResultState.VOIDED,
            EntryKind.REFUND: ResultState.REFUNDED,
        }[kind]
        return PaymentResult(state, amount, reference=payment.reference)

    def capture(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return self._settle(payment, amount, idempotency_key, EntryKind.CAPTURE)

    def void(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return self._settle(payment, amount, idempotency_key, EntryKind.RELEASE)

    def refund(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        """Spent points go back to the wallets that paid them (see ``refund_split``)."""
        return self._settle(payment, amount, idempotency_key, EntryKind.REFUND)
