"""Paying the remainder on account with a purchase order number."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select

from commissary import (
    TENANT_CURRENCY,
    AuthorizeRequest,
    CheckoutField,
    Invalid,
    PaymentMethod,
    PaymentRef,
    PaymentResult,
    ResultState,
    User,
)
from commissary_purchase_order import service
from commissary_purchase_order.invoicing import uninvoiced
from commissary_purchase_order.models import PoAuthorization
from commissary_purchase_order.settings import PurchaseOrderSettings

DECLINES = {
    "no_credit_account": "This account has no credit line for purchase orders.",
    "currency": "The credit line is kept in another currency.",
    "credit_limit": "This order would pass the account's credit limit.",
}


class PurchaseOrderPayment(PaymentMethod):
    identifier = "purchase_order"
    label = "Purchase order"
    currency = TENANT_CURRENCY
    # The PO tables are written in the order's transaction; no outside call to record.
    records_attempts = False

    def checkout_fields(self, payer_id: int) -> list[CheckoutField] | None:
        settings = self.ctx.settings(PurchaseOrderSettings)
        return [
            CheckoutField(
                "po_number", "PO number", settings.number_hint, pattern=settings.number_pattern
            )
        ]

    def clean_method_data(self, data: Mapping[str, str]) -> dict[str, str]:
        settings = self.ctx.settings(PurchaseOrderSettings)
        number = data.get("po_number", "").strip()
        if set(data) != {"po_number"} or not re.fullmatch(settings.number_pattern, number):
            raise Invalid(f"enter your PO number ({settings.number_hint})")
        return {"po_number": number[:40]}

    def authorize(self, request: AuthorizeRequest) -> PaymentResult:
        session, settings = self.ctx.session, self.ctx.settings(PurchaseOrderSettings)
        location = session.scalar(select(User.location_id).where(User.id == request.payer_id))
        why = service.reserve(session, location, request.amount, request.currency)
        if why:
            return PaymentResult.declined(why, DECLINES[why], request.amount)
        auth = PoAuthorization(
            tenant_id=self.ctx.tenant.id,
            order_id=request.order_id,
            location_id=location,
            po_number=request.method_data["po_number"],
            currency=request.currency,
            amount=request.amount,
            terms=settings.terms,
            idempotency_key=request.idempotency_key,
        )
        if request.capture:
            # Taken at once (no approval needed): invoiced when it ships.
            auth.captured = request.amount
        session.add(auth)
        session.flush()
        reference = f"po:{auth.id}"
        if request.capture:
            return PaymentResult(ResultState.CAPTURED, request.amount, reference=reference)
        return PaymentResult(ResultState.AUTHORIZED, request.amount, reference=reference)

    def capture(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        """Approved lines: the amount is due, and is invoiced as the goods ship
        (``invoicing``); its exposure stays on the credit line until the invoice is paid."""
        auth = service.authorization(self.ctx.session, payment.reference)
        service.add_captured(self.ctx.session, auth.id, amount)
        return PaymentResult(ResultState.CAPTURED, amount, reference=payment.reference)

    def void(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        """Rejected lines free their part of the credit line."""
        auth = service.authorization(self.ctx.session, payment.reference)
        service.give_back(self.ctx.session, auth.location_id, amount)
        return PaymentResult(ResultState.VOIDED, amount, reference=payment.reference)

    def refund(self, payment: PaymentRef, amount: Decimal, idempotency_key: str) -> PaymentResult:
        """Lines cancelled before they shipped were never invoiced: their amount just
        frees the credit line. What was invoiced already gets a credit note (a negative
        invoice, settled at once). Either way the exposure is freed."""
        session = self.ctx.session
        auth = service.authorization(session, payment.reference)
        credit = amount - max(Decimal(0), min(amount, uninvoiced(self.ctx, auth)))
        if credit > 0:
            service.issue_invoice(
                session,
                self.ctx.tenant.id,
                auth,
                -credit,
                idempotency_key,
                self.ctx.now,
                0,
                paid=True,
            )
        service.add_refunded(session, auth.id, amount)
        service.give_back(session, auth.location_id, amount)
        return PaymentResult(ResultState.REFUNDED, amount, reference=payment.reference)
