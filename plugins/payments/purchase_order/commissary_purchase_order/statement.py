"""The statement of an account: open invoices, what is overdue, and the credit line.

An *account* is the company (every invoice of the tenant, the company's credit limit) or
one location (the invoices of orders its people paid on account, the location's limit).
Tenant administrators see every account; a location manager sees the locations they
manage. The credit limit's ``used`` is the exposure: holds of orders not yet invoiced plus
open invoices, so ``held = used - open invoices``. Three statements, whatever the number
of invoices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from commissary import Context, Location, NotFound, Permission, has_permission
from commissary_purchase_order.models import CreditLimit, Invoice, PoAuthorization

COMPANY = "company"


@dataclass(frozen=True)
class Account:
    key: str  # "company" or the location id
    location_id: int | None
    name: str
    code: str = ""


@dataclass(frozen=True)
class StatementRow:
    invoice: Invoice
    auth: PoAuthorization
    today: date

    @property
    def overdue(self) -> bool:
        return self.invoice.due_on < self.today

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.invoice.due_on).days)

    @property
    def order_number(self) -> str:
        return f"SO-{self.auth.order_id:06d}"


@dataclass
class Statement:
    account: Account
    rows: list[StatementRow]
    limit: CreditLimit | None
    total: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)
    currency: str = ""
    accounts: list[Account] = field(default_factory=list)

    @property
    def held(self) -> Decimal:
        """Exposure of orders approved or waiting but not yet invoiced."""
        return max(Decimal(0), self.limit.used - self.total) if self.limit else Decimal(0)

    @property
    def available(self) -> Decimal:
        return self.limit.amount - self.limit.used if self.limit else Decimal(0)


def is_admin(ctx: Context) -> bool:
    return ctx.actor is not None and has_permission(ctx.actor, Permission.PLUGINS_MANAGE)


def accounts(ctx: Context) -> list[Account]:
    """The accounts this person may see: all for tenant admins, else the locations
    they manage."""
    query = select(Location).order_by(Location.name, Location.id)
    if not is_admin(ctx):
        assert ctx.actor is not None
        query = query.where(Location.manager_id == ctx.actor.id)
    found = [Account(str(loc.id), loc.id, loc.name, loc.code) for loc in ctx.session.scalars(query)]
    if is_admin(ctx):
        found.insert(0, Account(COMPANY, None, "Company account"))
    return found


def account_of(ctx: Context, key: str | None) -> tuple[Account | None, list[Account]]:
    """The account asked for (the first one when none is named); an account this person
    may not see, or another tenant's location, is a 404."""
    seen = accounts(ctx)
    if not key:
        return (seen[0] if seen else None), seen
    found = next((a for a in seen if a.key == key), None)
    if found is None:
        raise NotFound("no such account")
    return found, seen


def statement(ctx: Context, account: Account) -> Statement:
    query = (
        select(Invoice, PoAuthorization)
        .join(PoAuthorization, PoAuthorization.id == Invoice.authorization_id)
        .where(Invoice.paid_at.is_(None))
        .order_by(Invoice.due_on, Invoice.id)
    )
    if account.location_id is not None:
        query = query.where(PoAuthorization.location_id == account.location_id)
    today = ctx.now.date()
    rows = [StatementRow(i, a, today) for i, a in ctx.session.execute(query)]
    limit = ctx.session.scalar(
        select(CreditLimit).where(
            CreditLimit.location_id.is_(None)
            if account.location_id is None
            else CreditLimit.location_id == account.location_id
        )
    )
    currency = limit.currency if limit else (rows[0].auth.currency if rows else "")
    return Statement(
        account=account,
        rows=rows,
        limit=limit,
        total=sum((r.invoice.amount for r in rows), Decimal(0)),
        overdue=sum((r.invoice.amount for r in rows if r.overdue), Decimal(0)),
        currency=currency,
    )


CSV_HEADER = (
    "invoice",
    "order",
    "po_number",
    "issued_on",
    "due_on",
    "terms",
    "amount",
    "currency",
    "overdue_days",
)


def csv_rows(view: Statement) -> list[tuple[object, ...]]:
    return [
        (
            r.invoice.number,
            r.order_number,
            r.auth.po_number,
            r.invoice.issued_on,
            r.invoice.due_on,
            r.auth.terms,
            r.invoice.amount,
            r.auth.currency,
            r.days_overdue,
        )
        for r in view.rows
    ]
