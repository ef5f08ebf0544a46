"""Lots: which points expire when, worked out by replaying a wallet's ledger.

**Why replay, and not a ``remaining`` column per lot.** Spending is the hot path (the
order benchmark counts its statements); keeping a remaining amount per lot would add a
statement to every spend, hold, capture and release. Instead spending touches only the
wallet row and the ledger, and the jobs that need lots (expiry, rollover at renewal,
reminders) replay the wallet's ledger in Python, in entry order:

- a credit (grant, renewal) opens a lot: its expiry is on its ``allowance_lots`` row, or
  never for a plain grant;
- a spend or a hold takes from the open lots **earliest-expiring first** (never-expiring
  points last; ties by age), a hold remembers which lots it took per order;
- a capture drops held portions (earliest-expiring first), a release gives them back to
  the lots they came from;
- an expiry takes from the lot it names.

Replays are exact and deterministic, so running a job twice finds nothing left to do.
A job locks the wallet row first (a no-op UPDATE), so concurrent runs serialize per
wallet and the second one sees what the first wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commissary import emit_event, utcnow
from commissary_allowance.models import EntryKind, LedgerEntry, Lot, Wallet
from commissary_allowance.service import move_wallet


@dataclass
class Credit:
    entry_id: int
    points: int
    lot_id: int | None = None
    expires_at: datetime | None = None
    program_id: int | None = None
    remaining: int = 0  # available now
    held: int = 0  # held for orders now
    expired: int = 0  # taken by EXPIRE entries so far
    expiries: int = 0  # how many EXPIRE entries named it

    def order_key(self) -> tuple[bool, datetime | None, int]:
        return (self.expires_at is None, self.expires_at, self.entry_id)


@dataclass
class Replay:
    credits: list[Credit] = field(default_factory=list)

    def lot(self, lot_id: int) -> Credit | None:
        return next((c for c in self.credits if c.lot_id == lot_id), None)


def _take(pool: list[Credit], amount: int) -> list[tuple[Credit, int]]:
    taken = []
    for credit in sorted(pool, key=Credit.order_key):
        if amount == 0:
            break
        part = min(credit.remaining, amount)
        if part:
            credit.remaining -= part
            amount -= part
            taken.append((credit, part))
    return taken


def replay(session: Session, wallet_id: int) -> Replay:
    rows = session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.kind,
            LedgerEntry.available_delta,
            LedgerEntry.held_delta,
            LedgerEntry.order_id,
            LedgerEntry.lot_id,
            Lot.id,
            Lot.expires_at,
            Lot.program_id,
        )
        .outerjoin(Lot, Lot.entry_id == LedgerEntry.id)
        .where(LedgerEntry.wallet_id == wallet_id)
        .order_by(LedgerEntry.id)
    ).all()
    result = Replay()
    by_lot: dict[int, Credit] = {}
    held: dict[int | None, list[tuple[Credit, int]]] = {}
    for entry_id, kind, d_avail, d_held, order_id, expire_lot, lot_id, expires, program in rows:
        if kind in (EntryKind.GRANT, EntryKind.RENEWAL, EntryKind.REFUND):
            # A refund comes back as a fresh credit that never expires: the lots it was
            # spent from may have expired meanwhile, and the buyer must not lose it.
            credit = Credit(entry_id, d_avail, lot_id, expires, program, remaining=d_avail)
            result.credits.append(credit)
            if lot_id is not None:
                by_lot[lot_id] = credit
        elif kind is EntryKind.EXPIRE:
            target = by_lot.get(expire_lot or 0)
            if target is not None:
                target.remaining += d_avail  # d_avail is negative
                target.expired -= d_avail
                target.expiries += 1
            else:
                _take(result.credits, -d_avail)
        elif kind is EntryKind.SPEND:
            _take(result.credits, -d_avail)
        elif kind is EntryKind.HOLD:
            portions = _take(result.credits, d_held)
            for credit, part in portions:
                credit.held += part
            held.setdefault(order_id, []).extend(portions)
        elif kind in (EntryKind.CAPTURE, EntryKind.RELEASE):
            amount = -d_held
            portions = sorted(held.get(order_id, []), key=lambda p: p[0].order_key())
            kept: list[tuple[Credit, int]] = []
            for credit, part in portions:
                use = min(part, amount)
                amount -= use
                credit.held -= use
                if kind is EntryKind.RELEASE:
                    credit.remaining += use
                if part - use:
                    kept.append((credit, part - use))
            held[order_id] = kept
    return result


def lock_wallet(session: Session, wallet_id: int) -> None:
    """Serialize jobs per wallet: a no-op UPDATE takes the row lock until commit."""
    session.execute(
        update(Wallet)
        .where(Wallet.id == wallet_id)
        .values(available=Wallet.available)
        .execution_options(synchronize_session=False)
    )


def expire_wallet(session: Session, tenant_id: int, wallet_id: int, now: datetime) -> int:
    """Expire what is left of the wallet's lots due by ``now``; returns the points taken.
    Closes the lots with nothing left (so the job never looks at them again).

    Each lot that loses points emits one ``points_expired`` event in this transaction,
    for the wallet's owner; the wallet lock and the replay make a second (or concurrent)
    run find nothing left, so it emits nothing again."""
    lock_wallet(session, wallet_id)
    state = replay(session, wallet_id)
    taken = 0
    for credit in state.credits:
        if credit.lot_id is None or credit.expires_at is None or credit.expires_at > now:
            continue
        if credit.remaining:
            points = credit.remaining
            move_wallet(
                session,
                tenant_id,
                wallet_id,
                EntryKind.EXPIRE,
                points,
                key=f"expire:{credit.lot_id}:{credit.expiries}",
                reason="points expired",
                lot_id=credit.lot_id,
            )
            _tell_owner(session, tenant_id, wallet_id, credit.lot_id, points, credit.expires_at)
            credit.remaining = 0
            taken += points
        if credit.held == 0:
            session.execute(
                update(Lot)
                .where(Lot.id == credit.lot_id)
                .values(closed_at=now)
                .execution_options(synchronize_session=False)
            )
    return taken


def due_wallets(session: Session, now: datetime) -> list[tuple[int, int]]:
    """``(tenant_id, wallet_id)`` of wallets with open lots due by ``now``."""
    return [
        (t, w)
        for t, w in session.execute(
            select(Lot.tenant_id, Lot.wallet_id)
            .where(Lot.closed_at.is_(None), Lot.expires_at <= now)
            .distinct()
            .order_by(Lot.wallet_id)
        ).all()
    ]


def expiring(session: Session, wallet_id: int, now: datetime, until: datetime) -> list[Credit]:
    """Open lots of the wallet expiring after ``now`` and by ``until`` with points left."""
    state = replay(session, wallet_id)
    return [
        c
        for c in state.credits
        if c.lot_id is not None
        and c.expires_at is not None
        and now < c.expires_at <= until
        and c.remaining > 0
    ]


def forfeit_above_cap(
    session: Session,
    tenant_id: int,
    wallet_id: int,
    program_id: int,
    cap: int,
    key: str,
    state: Replay,
) -> int:
    """The rollover cap: of the program's earlier lots, keep at most ``cap`` points (the
    latest-expiring) and expire the rest, earliest-expiring first."""
    mine = sorted(
        (c for c in state.credits if c.program_id == program_id and c.lot_id and c.remaining),
        key=Credit.order_key,
    )
    excess = sum(c.remaining for c in mine) - cap
    forfeited = 0
    for credit in mine:
        if excess <= 0:
            break
        part = min(credit.remaining, excess)
        move_wallet(
            session,
            tenant_id,
            wallet_id,
            EntryKind.EXPIRE,
            part,
            key=f"{key}:lot{credit.lot_id}",
            reason="above the rollover cap",
            lot_id=credit.lot_id,
        )
        _tell_owner(session, tenant_id, wallet_id, credit.lot_id, part, utcnow(), "rollover_cap")
        credit.remaining -= part
        excess -= part
        forfeited += part
    return forfeited


def _tell_owner(
    session: Session,
    tenant_id: int,
    wallet_id: int,
    lot_id: int | None,
    points: int,
    at: datetime,
    cause: str = "expiry",
) -> None:
    """One ``points_expired`` event per lot that lost points, in the caller's transaction:
    ``cause`` is ``expiry`` (the lot's date passed) or ``rollover_cap`` (a renewal kept
    only the program's cap of the earlier periods' points)."""
    owner = session.scalar(select(Wallet.user_id).where(Wallet.id == wallet_id))
    emit_event(
        session,
        tenant_id,
        "points_expired",
        {
            "user_id": owner,
            "wallet_id": wallet_id,
            "lot_id": lot_id,
            "points": points,
            "expired_at": at.isoformat(),
            "cause": cause,
        },
    )
