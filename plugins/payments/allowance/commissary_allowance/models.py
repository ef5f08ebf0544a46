"""Points wallets, the append-only ledger their balances are the sum of, and programs.

The wallet row caches three balances so that a debit is one conditional UPDATE
(``available >= n``) backed by CHECK constraints; every change to the row appends one
ledger entry in the same transaction, so ``available == SUM(available_delta)`` and
``held == SUM(held_delta)`` always hold (tests check it after concurrent runs).

A user has one general wallet (``program_id = 0``) and one restricted wallet per program
whose points are spendable only on some categories (``program_id`` = that program). The
``0`` sentinel (rather than NULL) keeps ``(tenant_id, user_id, program_id)`` a plain unique
key that ``INSERT … ON CONFLICT`` can name on both databases.

Credits that expire (or that a program granted, for its rollover cap) get a row in
``allowance_lots``; spending never touches lots — see :mod:`commissary_allowance.lots`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commissary import Base, TenantScoped, utcnow

PLUGIN = {"plugin": "allowance"}
GENERAL = 0  # Wallet.program_id of the general wallet


class EntryKind(enum.StrEnum):
    GRANT = "grant"  # + available (a manager's grant, an approved request, a bulk row)
    RENEWAL = "renewal"  # + available, a program's grant for one period
    HOLD = "hold"  # available → held, at submission of an order that needs approval
    CAPTURE = "capture"  # held → spent, for approved lines
    RELEASE = "release"  # held → available, for rejected lines
    SPEND = "spend"  # available → spent, for an order approved at once
    EXPIRE = "expire"  # - available: a lot expired, or a rollover cap forfeited it
    REFUND = "refund"  # spent → available, for cancelled or reduced lines after capture


class Period(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"

    @property
    def months(self) -> int:
        return 1 if self is Period.MONTH else 3


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class Wallet(TenantScoped, Base):
    __tablename__ = "allowance_wallets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "program_id"),
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("spent >= 0", name="spent_not_negative"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # 0: the general wallet; otherwise the restricted program whose points it holds.
    program_id: Mapped[int] = mapped_column(default=GENERAL, server_default="0")
    available: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    spent: Mapped[int] = mapped_column(default=0)


class LedgerEntry(TenantScoped, Base):
    __tablename__ = "allowance_ledger"
    __table_args__ = (
        Index("ix_allowance_ledger_wallet", "wallet_id", "id"),
        UniqueConstraint("tenant_id", "idempotency_key"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wallet_id: Mapped[int] = mapped_column(ForeignKey("allowance_wallets.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(Enum(EntryKind, native_enum=False, length=16))
    available_delta: Mapped[int]
    held_delta: Mapped[int]
    order_id: Mapped[int | None] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str] = mapped_column(String(250))
    # The lot an EXPIRE entry takes from (no FK: the ledger never depends on lot rows).
    lot_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Program(TenantScoped, Base):
    """Points granted every period to everyone of a tenant (or of one customer type)."""

    __tablename__ = "allowance_programs"
    __table_args__ = (
        CheckConstraint("points_per_period > 0", name="points_positive"),
        CheckConstraint("expiry_days IS NULL OR expiry_days > 0", name="expiry_positive"),
        CheckConstraint("rollover_cap IS NULL OR rollover_cap >= 0", name="cap_not_negative"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Targets one customer type; NULL: everyone. No FK yet: customer types are being built
    # in the core at the same time (the FK comes with them).
    customer_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_types.id", ondelete="CASCADE"), default=None, index=True
    )
    points_per_period: Mapped[int]
    period: Mapped[Period] = mapped_column(Enum(Period, native_enum=False, length=10))
    # The renewal date: periods start on this day, every month or quarter from it.
    starts_on: Mapped[date]
    expiry_days: Mapped[int | None] = mapped_column(default=None)
    # How many of this program's unspent points carry into the next period; None: all.
    rollover_cap: Mapped[int | None] = mapped_column(default=None)
    prorate: Mapped[bool] = mapped_column(default=True)
    # Empty: points go to the general wallet; else spendable only on these categories.
    category_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lot(TenantScoped, Base):
    """A credit that expires or that a program granted: what expiry and rollover act on."""

    __tablename__ = "allowance_lots"
    __table_args__ = (
        UniqueConstraint("entry_id"),
        Index("ix_allowance_lots_due", "closed_at", "expires_at"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wallet_id: Mapped[int] = mapped_column(
        ForeignKey("allowance_wallets.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("allowance_ledger.id", ondelete="CASCADE"))
    points: Mapped[int]
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("allowance_programs.id", ondelete="SET NULL"), default=None
    )
    # Set once the lot is expired and nothing of it is left or held: no more work on it.
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class Reminder(TenantScoped, Base):
    """One row per lot and threshold: the dedupe key of ``points_expiring`` events."""

    __tablename__ = "allowance_reminders"
    __table_args__ = (UniqueConstraint("tenant_id", "lot_id", "days"), {"info": PLUGIN})

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("allowance_lots.id", ondelete="CASCADE"))
    days: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointsRequest(TenantScoped, Base):
    """A buyer's request for more points, approved (granted) or declined by a manager."""

    __tablename__ = "allowance_requests"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_allowance_requests_status", "tenant_id", "status"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=10), default=RequestStatus.PENDING
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
