"""Credit on account: reserve against limits, invoice approved amounts, take payments.

Every change to ``CreditLimit.used`` is one conditional UPDATE per limit row; a checkout
that would pass any limit in scope (the company's, the location's) is declined and its
partial reservation rolled back to a SAVEPOINT, so nothing is left behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from commissary import Conflict, Invalid, Location, NotFound, row_insert
from commissary_purchase_order.models import CreditLimit, Invoice, PoAuthorization


def _scope(location_id: int | None) -> object:
    if location_id is None:
        return CreditLimit.location_id.is_(None)
    return or_(CreditLimit.location_id.is_(None), CreditLimit.location_id == location_id)


def limits_in_scope(session: Session, location_id: int | None) -> list[CreditLimit]:
    return list(session.scalars(select(CreditLimit).where(_scope(location_id))))  # type: ignore[arg-type]


def reserve(session: Session, location_id: int | None, amount: Decimal, currency: str) -> str:
    """Count ``amount`` against every limit in scope; '' when done, else why not."""
    limits = limits_in_scope(session, location_id)
    if not limits:
        return "no_credit_account"
    if any(limit.currency != currency for limit in limits):
        return "currency"
    savepoint = session.begin_nested()
    for limit in limits:
        moved = session.execute(
            update(CreditLimit)
            .where(CreditLimit.id == limit.id, CreditLimit.used + amount <= CreditLimit.amount)
            .values(used=CreditLimit.used + amount)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            savepoint.rollback()
            return "credit_limit"
    savepoint.commit()
    return ""


def give_back(session: Session, location_id: int | None, amount: Decimal) -> None:
    """Free ``amount`` of exposure (a released hold, a paid invoice, a credit note)."""
    session.execute(
        update(CreditLimit)
        .where(_scope(location_id))  # type: ignore[arg-type]
        .values(
            used=case((CreditLimit.used >= amount, CreditLimit.used - amount), else_=Decimal(0))
        )
        .execution_options(synchronize_session=False)
    )


def authorization(session: Session, reference: str) -> PoAuthorization:
    auth_id = int(reference.removeprefix("po:"))
    found = session.get(PoAuthorization, auth_id)
    assert found is not None, "a PO tender points at its authorization"
    return found


def add_captured(session: Session, auth_id: int, amount: Decimal) -> None:
    session.execute(
        update(PoAuthorization)
        .where(PoAuthorization.id == auth_id)
        .values(captured=PoAuthorization.captured + amount)
        .execution_options(synchronize_session=False)
    )


def add_refunded(session: Session, auth_id: int, amount: Decimal) -> None:
    session.execute(
        update(PoAuthorization)
        .where(PoAuthorization.id == auth_id)
        .values(refunded=PoAuthorization.refunded + amount)
        .execution_options(synchronize_session=False)
    )


def issue_invoice(
    session: Session,
    tenant_id: int,
    auth: PoAuthorization,
    amount: Decimal,
    key: str,
    now: datetime,
    terms_days: int,
    *,
    paid: bool = False,
) -> None:
    session.execute(
        row_insert(Invoice),
        {
            "tenant_id": tenant_id,
            "authorization_id": auth.id,
            "amount": amount,
            "issued_on": now.date(),
            "due_on": now.date() + timedelta(days=terms_days),
            "paid_at": now if paid else None,
            "idempotency_key": key,
        },
    )


def set_limit(
    session: Session, tenant_id: int, location_id: int | None, amount: Decimal, currency: str
) -> CreditLimit:
    if location_id is not None and session.get(Location, location_id) is None:
        raise NotFound("no such location")
    if amount < 0:
        raise Invalid("a credit limit cannot be negative")
    limit = session.scalar(
        select(CreditLimit).where(
            CreditLimit.location_id.is_(None)
            if location_id is None
            else CreditLimit.location_id == location_id
        )
    )
    if limit is None:
        limit = CreditLimit(
            tenant_id=tenant_id, location_id=location_id, currency=currency, used=Decimal(0)
        )
        session.add(limit)
    elif limit.used > amount:
        raise Conflict(f"{limit.used} is already used on this account; the limit cannot be lower")
    elif limit.currency != currency and limit.used:
        raise Conflict("the account has open amounts in another currency")
    limit.amount = amount
    limit.currency = currency
    session.flush()
    return limit


def open_invoices(
    session: Session, location_id: int | None
) -> list[tuple[Invoice, PoAuthorization]]:
    query = (
        select(Invoice, PoAuthorization)
        .join(PoAuthorization, PoAuthorization.id == Invoice.authorization_id)
        .where(Invoice.paid_at.is_(None))
        .order_by(Invoice.due_on, Invoice.id)
    )
    if location_id is not None:
        query = query.where(PoAuthorization.location_id == location_id)
    return [(i, a) for i, a in session.execute(query)]


def mark_paid(session: Session, invoice_id: int, now: datetime) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("no such invoice")
    moved = session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id, Invoice.paid_at.is_(None))
        .values(paid_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("this invoice is paid already")
    auth = session.get(PoAuthorization, invoice.authorization_id)
    assert auth is not None
    give_back(session, auth.location_id, invoice.amount)
    session.refresh(invoice)
    return invoice
