"""A points wallet per user, and the append-only ledger its balances are the sum of.

The wallet row caches three balances so that a debit is one conditional UPDATE
(``available >= n``) backed by CHECK constraints; every change to the row appends one
ledger entry in the same transaction, so ``available == SUM(available_delta)`` and
``held == SUM(held_delta)`` always hold (tests check it after concurrent runs).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary import Base, TenantScoped, utcnow

PLUGIN = {"plugin": "allowance"}


class EntryKind(enum.StrEnum):
    GRANT = "grant"  # + available
    HOLD = "hold"  # available → held, at submission of an order that needs approval
    CAPTURE = "capture"  # held → spent, for approved lines
    RELEASE = "release"  # held → available, for rejected lines
    SPEND = "spend"  # available → spent, for an order approved at once


class Wallet(TenantScoped, Base):
    __tablename__ = "allowance_wallets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("spent >= 0", name="spent_not_negative"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
