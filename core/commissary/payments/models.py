"""One payment row per tender on an order; the method plugin keeps its own detail."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow

Amount = Numeric(18, 4)


class PaymentState(enum.StrEnum):
    AUTHORIZED = "authorized"  # held, nothing captured yet
    PARTIALLY_CAPTURED = "partially_captured"
    CAPTURED = "captured"  # everything that will be captured is
    VOIDED = "voided"  # everything released


class Payment(TenantScoped, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("captured + released <= authorized", name="within_authorized"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    authorized: Mapped[Decimal] = mapped_column(Amount)
    captured: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    released: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    state: Mapped[PaymentState] = mapped_column(Enum(PaymentState, native_enum=False, length=24))
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def open_amount(self) -> Decimal:
        return self.authorized - self.captured - self.released
