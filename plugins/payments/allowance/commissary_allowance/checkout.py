"""Paying an order from several wallets: restricted wallets first, then the general one.

**The rule.** A restricted wallet (a program's points spendable on some categories only)
pays for the order's lines of its categories, as much as it holds; restricted wallets are
drawn in the order of their program's id (the oldest program first). The general wallet
pays whatever is left. An order that the wallets together cannot cover is declined and
nothing is written.

**The fast path stays two statements.** A user with only a general wallet (or whose
restricted wallets are empty) pays with one conditional UPDATE — it also checks, in the
same statement, that no restricted wallet of the user holds points — and one ledger
INSERT, exactly as before restricted wallets existed. Only when that UPDATE matches
nothing does the split path read the user's wallets (one SELECT), allocate the lines,
and move each wallet inside a SAVEPOINT, so a decline leaves nothing behind.

**Settling a split hold.** ``capture`` and ``void`` receive an amount, not lines, so a
partial decision cannot say which wallet paid for the lines decided. The rule: captures
take from the general wallet's hold first, releases return to restricted wallets first.
It never lets restricted points pay for lines outside their categories (the general hold
covers every non-restricted line, so a capture reaches restricted holds only for
restricted lines); with several restricted wallets of *different* categories a partial
decision may settle against the wrong one of them. Whole-order decisions are exact.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, func, select, update
from sqlalchemy.orm import Session, aliased

from commissary import DraftLine, scoped
from commissary_allowance.models import GENERAL, EntryKind, LedgerEntry, Program, Wallet
from commissary_allowance.service import move_wallet, write_entry


@cache
def _general_only(kind: EntryKind) -> Any:
    """Draw on the general wallet only when no restricted wallet of the user holds points:
    a user without restricted points pays with this one UPDATE."""
    amount = bindparam("amount", type_=Integer)
    tenant = bindparam("wallet_tenant", type_=Integer)
    user = bindparam("wallet_user", type_=Integer)
    other = aliased(Wallet)
    restricted = (
        select(other.id)
        .where(
            other.tenant_id == tenant,
            other.user_id == user,
            other.program_id != GENERAL,
            other.available > 0,
        )
        .exists()
    )
    held, spent = (amount, 0) if kind is EntryKind.HOLD else (0, amount)
    return scoped(
        update(Wallet)
        .where(
            Wallet.tenant_id == tenant,
            Wallet.user_id == user,
            Wallet.program_id == GENERAL,
            Wallet.available >= amount,
            ~restricted,
        )
        .values(
            available=Wallet.available - amount,
            held=Wallet.held + held,
            spent=Wallet.spent + spent,
        )
        .returning(Wallet.id)
        .execution_options(synchronize_session=False)
    )


def draw_general(
    session: Session,
    tenant_id: int,
    user_id: int,
    kind: EntryKind,
    points: int,
    key: str,
    order_id: int,
) -> bool:
    """The fast path: one UPDATE and one INSERT, or nothing at all."""
    wallet_id = session.execute(
        _general_only(kind),
        {"wallet_tenant": tenant_id, "wallet_user": user_id, "amount": points},
    ).scalar()
    if wallet_id is None:
        return False
    write_entry(session, tenant_id, wallet_id, kind, points, key, order_id)
    return True


def allocate(
    wallets: list[tuple[int, int, int, list[int]]], lines: tuple[DraftLine, ...], points: int
) -> dict[int, int] | None:
    """Points per wallet id for an order of ``points`` with ``lines``, by the rule in the
    module docstring; None when the wallets cannot cover it. ``wallets`` are
    ``(wallet_id, program_id, available, category_ids)``."""
    left = [line.line_points for line in lines]
    # Points not explained by lines (a total without lines) can only be paid generally.
    unexplained = max(0, points - sum(left))
    draws: dict[int, int] = {}
    for wallet_id, program_id, available, categories in sorted(wallets, key=lambda w: w[1]):
        if program_id == GENERAL or available <= 0:
            continue
        room = available
        for i, line in enumerate(lines):
            if room == 0:
                break
            if line.category_id is not None and line.category_id in categories and left[i]:
                take = min(room, left[i])
                left[i] -= take
                room -= take
                draws[wallet_id] = draws.get(wallet_id, 0) + take
    rest = sum(left) + unexplained
    if rest:
        general = [w for w in wallets if w[1] == GENERAL]
        if not general or general[0][2] < rest:
            return None
        draws[general[0][0]] = rest
    return draws


def draw_split(
    session: Session,
    tenant_id: int,
    user_id: int,
    kind: EntryKind,
    points: int,
    lines: tuple[DraftLine, ...],
    key: str,
    order_id: int,
) -> bool:
    """The split path: read the wallets, allocate, move each (in wallet id order, as
    every path that locks several wallets does) inside a savepoint. When a concurrent
    order drew on a wallet between the read and the move, allocate again (a few times)
    rather than decline an order the wallets can still pay."""
    for _attempt in range(3):
        rows = session.execute(
            select(Wallet.id, Wallet.program_id, Wallet.available, Program.category_ids)
            .outerjoin(Program, Program.id == Wallet.program_id)
            .where(Wallet.user_id == user_id)
        ).all()
        wallets = [(w, p, a, list(c or [])) for w, p, a, c in rows]
        draws = allocate(wallets, lines, points)
        if draws is None:
            return False
        general_id = next((w for w, p, _a, _c in wallets if p == GENERAL), None)
        savepoint = session.begin_nested()
        for wallet_id in sorted(draws):
            wallet_key = key if wallet_id == general_id else f"{key}:w{wallet_id}"
            moved = move_wallet(
                session,
                tenant_id,
                wallet_id,
                kind,
                draws[wallet_id],
                key=wallet_key,
                order_id=order_id,
            )
            if not moved:
                savepoint.rollback()
                break
        else:
            savepoint.commit()
            return True
    return False


def settle_split(
    session: Session, tenant_id: int, order_id: int, kind: EntryKind, points: int, key: str
) -> bool:
    """Capture or release ``points`` of an order held across several wallets."""
    rows = session.execute(
        select(LedgerEntry.wallet_id, Wallet.program_id, func.sum(LedgerEntry.held_delta))
        .join(Wallet, Wallet.id == LedgerEntry.wallet_id)
        .where(LedgerEntry.order_id == order_id)
        .group_by(LedgerEntry.wallet_id, Wallet.program_id)
    ).all()
    held = [(w, p, int(h)) for w, p, h in rows if h]
    # Captures: general first; releases: restricted first (see the module docstring).
    general_first = kind is EntryKind.CAPTURE
    held.sort(key=lambda r: (r[1] != GENERAL) if general_first else (r[1] == GENERAL, r[1]))
    return _move_each(session, tenant_id, order_id, kind, held, points, key)


def _move_each(
    session: Session,
    tenant_id: int,
    order_id: int,
    kind: EntryKind,
    wallets: list[tuple[int, int, int]],
    points: int,
    key: str,
) -> bool:
    """Take ``points`` from ``wallets`` ((wallet, program, at most), in the order given),
    each wallet's part moved inside one savepoint: all of them, or (False) none."""
    draws: dict[int, int] = {}
    left = points
    for wallet_id, _program, amount in wallets:
        take = min(left, amount)
        if take:
            draws[wallet_id] = take
            left -= take
    if left:
        return False
    savepoint = session.begin_nested()
    for wallet_id in sorted(draws):
        if not move_wallet(
            session,
            tenant_id,
            wallet_id,
            kind,
            draws[wallet_id],
            key=f"{key}:w{wallet_id}",
            order_id=order_id,
        ):
            savepoint.rollback()
            return False
    savepoint.commit()
    return True


def refund_split(session: Session, tenant_id: int, order_id: int, points: int, key: str) -> bool:
    """Give back ``points`` the order spent across several wallets: restricted wallets
    first (newest program first), the general wallet last, each at most what it paid."""
    rows = session.execute(
        select(
            LedgerEntry.wallet_id,
            Wallet.program_id,
            -func.sum(LedgerEntry.available_delta + LedgerEntry.held_delta),
        )
        .join(Wallet, Wallet.id == LedgerEntry.wallet_id)
        .where(LedgerEntry.order_id == order_id)
        .group_by(LedgerEntry.wallet_id, Wallet.program_id)
    ).all()
    spent = sorted(
        ((w, p, int(s)) for w, p, s in rows if s), key=lambda r: (r[1] == GENERAL, -r[1])
    )
    return _move_each(session, tenant_id, order_id, EntryKind.REFUND, spent, points, key)
