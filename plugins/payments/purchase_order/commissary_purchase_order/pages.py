"""Pages: the statement of open invoices (tenant admins and location managers) and the
credit limits (tenant admins). Thin: parse the form, call the service, render."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from commissary import (
    Conflict,
    Context,
    Invalid,
    Location,
    NotFound,
    Permission,
    csv_response,
    page_requires,
    redirect,
    render,
)
from commissary_purchase_order import service
from commissary_purchase_order import statement as statements
from commissary_purchase_order.models import CreditLimit
from commissary_purchase_order.settings import PurchaseOrderSettings

router = APIRouter(prefix="/purchase-orders")
ViewerCtx = Annotated[Context, Depends(page_requires(Permission.LOCATIONS_MANAGE))]
AdminCtx = Annotated[Context, Depends(page_requires(Permission.PLUGINS_MANAGE))]
MAX_LIMIT = Decimal("100000000000000")  # Numeric(18, 4)


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _statement_page(
    request: Request,
    ctx: Context,
    account_key: str | None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    account, accounts = statements.account_of(ctx, account_key)
    view = statements.statement(ctx, account) if account else None
    return render(
        request,
        "purchase_order/statement.html",
        ctx,
        status_code=status_code,
        view=view,
        accounts=accounts,
        is_admin=statements.is_admin(ctx),
        terms=ctx.settings(PurchaseOrderSettings).terms,
        money=money,
        error=error,
    )


@router.get("/statement", response_class=HTMLResponse)
def statement_page(
    request: Request, ctx: ViewerCtx, account: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    return _statement_page(request, ctx, account)


@router.get("/statement.csv", response_class=Response)
def statement_csv(ctx: ViewerCtx, account: Annotated[str | None, Query()] = None) -> Response:
    found, _ = statements.account_of(ctx, account)
    if found is None:
        raise NotFound("no account to export")
    view = statements.statement(ctx, found)
    slug = re.sub(r"[^a-z0-9]+", "-", (found.code or found.name).lower()).strip("-")
    day = ctx.now.date().isoformat()
    return csv_response(
        f"statement-{slug or 'account'}-{day}.csv",
        statements.CSV_HEADER,
        statements.csv_rows(view),
    )


@router.post("/invoices/{invoice_id}/paid", response_model=None)
def mark_paid(
    request: Request,
    ctx: AdminCtx,
    invoice_id: int,
    account: Annotated[str, Form(max_length=20)] = "",
) -> RedirectResponse | HTMLResponse:
    try:
        invoice = service.mark_paid(ctx.session, invoice_id, ctx.now)
    except Conflict as exc:
        ctx.session.rollback()
        return _statement_page(request, ctx, account or None, exc.message, exc.status_code)
    query = f"?account={account}" if account else ""
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/purchase-orders/statement{query}",
        f"{invoice.number} marked paid; {invoice.amount:,.2f} of credit is free again.",
    )


# ---------------------------------------------------------------------------------------
# Credit limits (tenant admins)
# ---------------------------------------------------------------------------------------


def _limits_page(
    request: Request,
    ctx: Context,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    locations = list(ctx.session.scalars(select(Location).order_by(Location.name, Location.id)))
    limits = {limit.location_id: limit for limit in ctx.session.scalars(select(CreditLimit))}
    currencies = sorted({limit.currency for limit in limits.values()})
    return render(
        request,
        "purchase_order/credit_limits.html",
        ctx,
        status_code=status_code,
        locations=locations,
        limits=limits,
        company=limits.get(None),
        default_currency=currencies[0] if len(currencies) == 1 else "",
        error=error,
        form=form or {},
        money=money,
    )


@router.get("/credit-limits", response_class=HTMLResponse)
def limits_page(request: Request, ctx: AdminCtx) -> HTMLResponse:
    return _limits_page(request, ctx)


def _amount(text: str) -> Decimal:
    cleaned = text.strip().replace(",", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(
            f"“{text.strip()[:30]}” is not an amount; write it like 2500 or 2500.00"
        ) from None
    if not value.is_finite():
        raise Invalid("write the limit as a number, like 2500.00")
    if value < 0:
        raise Invalid("a credit limit cannot be negative")
    if value >= MAX_LIMIT:
        raise Invalid("that limit is too large")
    if value != value.quantize(Decimal("0.0001")):
        raise Invalid("a limit has at most four decimals")
    return value


@router.post("/credit-limits", response_model=None)
def set_limit(
    request: Request,
    ctx: AdminCtx,
    location: Annotated[str, Form(max_length=20)],
    amount: Annotated[str, Form(max_length=40)],
    currency: Annotated[str, Form(max_length=10)],
) -> RedirectResponse | HTMLResponse:
    form = {"location": location, "amount": amount, "currency": currency}
    try:
        location_id = None if location in ("", statements.COMPANY) else int(location)
    except ValueError:
        return _limits_page(request, ctx, "choose the company or a location", 422, form)
    try:
        code = currency.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise Invalid("the currency is a three-letter ISO code, like EUR or USD")
        limit = service.set_limit(ctx.session, ctx.tenant.id, location_id, _amount(amount), code)
    except (Invalid, Conflict, NotFound) as exc:
        ctx.session.rollback()
        return _limits_page(request, ctx, exc.message, exc.status_code, form)
    where = "the company account"
    if limit.location_id is not None:
        found = ctx.session.get(Location, limit.location_id)
        where = found.name if found else "the location"
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/purchase-orders/credit-limits",
        f"Credit limit of {where} set to {limit.amount:,.2f} {limit.currency}.",
    )
