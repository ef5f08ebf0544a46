"""One payment row per tender on an order; the method plugin keeps its own detail.

An order's tenders form a *tape* in points, in tender order (``position``): the points
tender first, then the remainder method. Each tender covers ``points`` of the order total
and converts them to its own currency at ``rate`` (currency units per point; 1 for the
points tender). Captures fill the tape from the front and releases from the back, so a
captured or released span never overlaps another (see docs/payments.md).

The ``payments`` table belongs to the core branch; the tape columns, the attempts and the
tenant policy are added by the ``payments`` Alembic branch (``commissary.payments.plugin``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow

Amount = Numeric(18, 4)
Rate = Numeric(18, 6)


class PaymentState(enum.StrEnum):
    AUTHORIZED = "authorized"  # held, nothing captured yet
    PARTIALLY_CAPTURED = "partially_captured"
    CAPTURED = "captured"  # everything that will be captured is
    VOIDED = "voided"  # everything released
    REFUNDED = "refunded"  # everything captured was given back


class Payment(TenantScoped, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("captured + released <= authorized", name="within_authorized"),
        CheckConstraint("points_captured + points_released <= points", name="points_within_share"),
        CheckConstraint("points_refunded <= points_captured", name="refund_within_captured"),
        CheckConstraint("refunded <= captured", name="refunded_within_captured"),
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
    # The tape (branch "payments").
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal(1), server_default="1")
    points: Mapped[int] = mapped_column(default=0, server_default="0")
    points_captured: Mapped[int] = mapped_column(default=0, server_default="0")
    points_released: Mapped[int] = mapped_column(default=0, server_default="0")
    points_refunded: Mapped[int] = mapped_column(default=0, server_default="0")
    refunded: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0), server_default="0")

    @property
    def open_amount(self) -> Decimal:
        return self.authorized - self.captured - self.released

    @property
    def open_points(self) -> int:
        return self.points - self.points_captured - self.points_released


class AttemptOutcome(enum.StrEnum):
    OK = "ok"
    DECLINED = "declined"


class PaymentAttempt(TenantScoped, Base):
    """One call to a gateway (or one verified webhook) and its outcome, kept for audit and
    for answering a retry: a key seen before returns its recorded outcome."""

    __tablename__ = "payment_attempts"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))  # authorize capture void refund webhook
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    outcome: Mapped[AttemptOutcome] = mapped_column(
        Enum(AttemptOutcome, native_enum=False, length=12)
    )
    reference: Mapped[str] = mapped_column(String(200), default="")
    decline_code: Mapped[str] = mapped_column(String(60), default="")
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentPolicy(TenantScoped, Base):
    """How a tenant's orders are paid when points do not cover them (split tender)."""

    __tablename__ = "payment_policies"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("point_value > 0", name="point_value_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Methods that may pay the remainder, in the order the checkout offers them.
    remainder_methods: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Whether employees may pay the remainder with their own card (``personal`` methods).
    employee_card: Mapped[bool] = mapped_column(default=False)
    currency: Mapped[str] = mapped_column(String(3))
    # What one point is worth in ``currency``, to convert the uncovered points.
    point_value: Mapped[Decimal] = mapped_column(Rate)
