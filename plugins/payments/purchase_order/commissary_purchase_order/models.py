"""Credit limits, PO authorizations and invoices.

``CreditLimit.used`` is the exposure on the account: open PO holds plus unpaid invoices.
It changes only by conditional UPDATE (``used + :n <= amount``) backed by a CHECK, so two
concurrent checkouts can never together pass the limit. A row without ``location_id`` is
the company account (the whole tenant); a location's row limits that location too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commissary import Base, TenantScoped, utcnow

Amount = Numeric(18, 4)


class CreditLimit(TenantScoped, Base):
    __tablename__ = "po_credit_limits"
    __table_args__ = (
        UniqueConstraint("tenant_id", "location_id"),
        CheckConstraint("used >= 0 AND used <= amount", name="used_within_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    used: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))


class PoAuthorization(TenantScoped, Base):
    """One order's PO tender: the number, the held amount and what became of it."""

    __tablename__ = "po_authorizations"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    po_number: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    terms: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Approved (captured) and refunded money: what was captured and is not yet invoiced
    # is invoiced when it ships (see ``invoicing``).
    captured: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0), server_default="0")
    refunded: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0), server_default="0")
    # How many points of the order have shipped, by this plugin's count: the cursor on the
    # order's captured tape (changed by one conditional UPDATE per shipment).
    shipped_points: Mapped[int] = mapped_column(default=0, server_default="0")


class Invoice(TenantScoped, Base):
    """An invoice for the PO share of one shipment (``shipment_id``, ``lines``), or a
    credit note (a negative amount, settled at once) for a refund of invoiced goods."""

    __tablename__ = "po_invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        # One invoice per shipment and PO tender: a redelivered event cannot invoice twice.
        UniqueConstraint("authorization_id", "shipment_id"),
        Index("ix_po_invoices_due_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authorization_id: Mapped[int] = mapped_column(
        ForeignKey("po_authorizations.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Amount)
    issued_on: Mapped[date]
    due_on: Mapped[date]
    paid_at: Mapped[datetime | None]
    idempotency_key: Mapped[str] = mapped_column(String(255))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id", ondelete="SET NULL"))
    # The shipped lines: ``{line_id, sku_code, description, quantity, unit_points, points,
    # amount}`` (``amount``: this invoice's share of the line), as shipped.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")

    @property
    def number(self) -> str:
        return f"INV-{self.id:06d}"
