"""Paying with points: the allowance as a payment method."""

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
from commissary_allowance import service
from commissary_allowance.models import EntryKind
from commissary_allowance.settings import AllowanceSettings


class AllowancePayment(PaymentMethod):
    identifier = "allowance"
    label = "Points allowance"
    currency = POINTS

    def balance(self, payer_id: int) -> Decimal | None:
        return Decimal(service.balance(self.ctx.session, payer_id).available)

    def authorize(self, request: AuthorizeRequest) -> PaymentResult:
        points = int(request.amount)
        if points == 0:
            state = ResultState.CAPTURED if request.capture else ResultState.AUTHORIZED
            return PaymentResult(state, request.amount)
        kind = EntryKind.SPEND if request.capture else EntryKind.HOLD
        moved = service.move(
            self.ctx.session,
            self.ctx.tenant.id,
            request.payer_id,
            kind,
            points,
            key=request.idempotency_key,
            order_id=request.order_id,
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
        return PaymentResult(state, request.amount, reference=f"wallet:{request.payer_id}")

    def _settle(
        self, payment: PaymentRef, amount: Decimal, key: str, kind: EntryKind
    ) -> PaymentResult:
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
        state = ResultState.CAPTURED if kind is EntryKind.CAPTURE else ResultState.VOIDED
        return PaymentResult(state, amount, reference=payment.reference)

    def capture(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return self._settle(payment, amount, idempotency_key, EntryKind.CAPTURE)

    def void(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        return self._settle(payment, amount, idempotency_key, EntryKind.RELEASE)
