"""Credit lines, the statement of open invoices and invoice payments:
``/t/<slug>/api/v1/purchase-orders/…`` (tenant admins)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from commissary import Context, Permission, api_requires
from commissary_purchase_order import service
from commissary_purchase_order.models import CreditLimit, Invoice, PoAuthorization

router = APIRouter(prefix="/purchase-orders", tags=["purchase orders"])
AdminCtx = Annotated[Context, Depends(api_requires(Permission.PLUGINS_MANAGE))]


class LimitIn(BaseModel):
    location_id: int | None = None  # None: the company account
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=4)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class LimitPublic(LimitIn):
    used: Decimal
    available: Decimal

    @classmethod
    def of(cls, limit: CreditLimit) -> LimitPublic:
        return cls(
            location_id=limit.location_id,
            amount=limit.amount,
            currency=limit.currency,
            used=limit.used,
            available=limit.amount - limit.used,
        )


class ShippedLinePublic(BaseModel):
    line_id: int
    sku_code: str
    description: str
    quantity: int
    points: int
    amount: Decimal


class InvoiceLine(BaseModel):
    id: int
    number: str
    order_id: int
    shipment_id: int | None
    po_number: str
    amount: Decimal
    currency: str
    terms: str
    issued_on: date
    due_on: date
    overdue: bool
    lines: list[ShippedLinePublic]

    @classmethod
    def of(cls, invoice: Invoice, auth: PoAuthorization, today: date | None) -> InvoiceLine:
        return cls(
            id=invoice.id,
            number=invoice.number,
            order_id=auth.order_id,
            shipment_id=invoice.shipment_id,
            po_number=auth.po_number,
            amount=invoice.amount,
            currency=auth.currency,
            terms=auth.terms,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            overdue=today is not None and invoice.due_on < today,
            lines=[ShippedLinePublic.model_validate(x) for x in invoice.lines],
        )


class Statement(BaseModel):
    location_id: int | None
    invoices: list[InvoiceLine]
    total: Decimal
    overdue: Decimal


@router.put("/credit-limits", response_model=LimitPublic)
def put_limit(ctx: AdminCtx, body: LimitIn) -> LimitPublic:
    limit = service.set_limit(
        ctx.session, ctx.tenant.id, body.location_id, body.amount, body.currency
    )
    return LimitPublic.of(limit)


@router.get("/credit-limits", response_model=list[LimitPublic])
def get_limits(ctx: AdminCtx) -> list[LimitPublic]:
    from sqlalchemy import select

    rows = ctx.session.scalars(select(CreditLimit).order_by(CreditLimit.id))
    return [LimitPublic.of(limit) for limit in rows]


@router.get("/statement", response_model=Statement)
def statement(ctx: AdminCtx, location_id: Annotated[int | None, Query()] = None) -> Statement:
    """Open invoices, oldest due first, with what is overdue today."""
    today = ctx.now.date()
    lines = [
        InvoiceLine.of(invoice, auth, today)
        for invoice, auth in service.open_invoices(ctx.session, location_id)
    ]
    return Statement(
        location_id=location_id,
        invoices=lines,
        total=sum((x.amount for x in lines), Decimal(0)),
        overdue=sum((x.amount for x in lines if x.overdue), Decimal(0)),
    )


@router.post("/invoices/{invoice_id}/payment", response_model=InvoiceLine)
def pay_invoice(ctx: AdminCtx, invoice_id: int) -> InvoiceLine:
    """Record that the company paid an invoice; its amount frees the credit line."""
    invoice = service.mark_paid(ctx.session, invoice_id, ctx.now)
    auth = service.authorization(ctx.session, f"po:{invoice.authorization_id}")
    return InvoiceLine.of(invoice, auth, None)
