"""Wallet operations: each is one conditional UPDATE of the wallet plus one ledger entry.

No balance can go negative: the UPDATE only matches while the balance covers the amount,
and CHECK constraints refuse anything else. Callers own the transaction. ``move`` acts on
a user's wallet by ``program_id`` (0: the general wallet); ``move_wallet`` on a wallet by
id, for the split checkout and the jobs that already hold the wallet's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from commissary import (
    Context,
    Forbidden,
    Invalid,
    NotFound,
    User,
    acts_tenant_wide,
    emit_event,
    row_insert,
    scoped,
)
from commissary import Location as LocationModel
from commissary_allowance.models import GENERAL, EntryKind, LedgerEntry, Lot, Wallet
from commissary_allowance.settings import AllowanceSettings

# kind → (available delta sign, held delta sign, spent delta sign, the balance it draws on)
MOVES: dict[EntryKind, tuple[int, int, int, str | None]] = {
    EntryKind.GRANT: (1, 0, 0, None),
    EntryKind.RENEWAL: (1, 0, 0, None),
    EntryKind.EXPIRE: (-1, 0, 0, "available"),
    EntryKind.HOLD: (-1, 1, 0, "available"),
    EntryKind.SPEND: (-1, 0, 1, "available"),
    EntryKind.CAPTURE: (0, -1, 1, "held"),
    EntryKind.RELEASE: (1, -1, 0, "held"),
    EntryKind.REFUND: (1, 0, -1, "spent"),
}


@dataclass(frozen=True)
class Balance:
    available: int
    held: int
    spent: int


def ensure_wallet(
    session: Session, tenant_id: int, user_id: int, program_id: int = GENERAL
) -> None:
    """Create the user's wallet if missing; safe when two requests race to create it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Wallet)
        .values(
            tenant_id=tenant_id,
            user_id=user_id,
            program_id=program_id,
            available=0,
            held=0,
            spent=0,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "user_id", "program_id"])
    )


@cache
def _wallet_update(kind: EntryKind, by_id: bool = False) -> Any:
    """The conditional UPDATE for one kind of movement, built once: it matches the wallet
    only while the balance it draws on covers ``amount``. ``by_id`` picks the wallet by
    its id; otherwise by tenant, user and program (``wallet_program``)."""
    d_avail, d_held, d_spent, source = MOVES[kind]
    amount = bindparam("amount", type_=Integer)
    condition: list[ColumnElement[bool]] = (
        [
            Wallet.id == bindparam("wallet_id", type_=Integer),
            Wallet.tenant_id == bindparam("wallet_tenant", type_=Integer),
        ]
        if by_id
        else [
            Wallet.tenant_id == bindparam("wallet_tenant", type_=Integer),
            Wallet.user_id == bindparam("wallet_user", type_=Integer),
            Wallet.program_id == bindparam("wallet_program", type_=Integer),
        ]
    )
    if source == "available":
        condition.append(Wallet.available >= amount)
    elif source == "held":
        condition.append(Wallet.held >= amount)
    elif source == "spent":
        condition.append(Wallet.spent >= amount)
    statement = (
        update(Wallet)
        .where(*condition)
        .values(
            available=Wallet.available + d_avail * amount,
            held=Wallet.held + d_held * amount,
            spent=Wallet.spent + d_spent * amount,
        )
        .returning(Wallet.id)
        .execution_options(synchronize_session=False)
    )
    # By id, the tenant is an explicit condition: the jobs run these outside a request's
    # session (no tenant scope to bind), and the id already names one tenant's row.
    return statement if by_id else scoped(statement)


def move(
    session: Session,
    tenant_id: int,
    user_id: int,
    kind: EntryKind,
    amount: int,
    *,
    key: str,
    order_id: int | None = None,
    reason: str = "",
    actor_id: int | None = None,
    program_id: int = GENERAL,
) -> bool:
    """Apply one movement; False (and nothing written) when the balance does not cover it."""
    if amount <= 0:
        raise Invalid("an amount of points must be positive")
    wallet_id = session.execute(
        _wallet_update(kind),
        {
            "wallet_tenant": tenant_id,
            "wallet_user": user_id,
            "wallet_program": program_id,
            "amount": amount,
        },
    ).scalar()
    if wallet_id is None:
        return False
    write_entry(session, tenant_id, wallet_id, kind, amount, key, order_id, reason, actor_id)
    return True


def move_wallet(
    session: Session,
    tenant_id: int,
    wallet_id: int,
    kind: EntryKind,
    amount: int,
    *,
    key: str,
    order_id: int | None = None,
    reason: str = "",
    actor_id: int | None = None,
    lot_id: int | None = None,
) -> bool:
    """``move`` on a wallet known by id; False (nothing written) when it does not cover."""
    if amount <= 0:
        raise Invalid("an amount of points must be positive")
    moved = session.execute(
        _wallet_update(kind, by_id=True),
        {"wallet_id": wallet_id, "wallet_tenant": tenant_id, "amount": amount},
    ).scalar()
    if moved is None:
        return False
    write_entry(
        session, tenant_id, wallet_id, kind, amount, key, order_id, reason, actor_id, lot_id
    )
    return True


def write_entry(
    session: Session,
    tenant_id: int,
    wallet_id: int,
    kind: EntryKind,
    amount: int,
    key: str,
    order_id: int | None = None,
    reason: str = "",
    actor_id: int | None = None,
    lot_id: int | None = None,
) -> None:
    """The ledger entry of a movement the wallet row already took (same transaction)."""
    d_avail, d_held, _spent, _source = MOVES[kind]
    session.execute(
        row_insert(LedgerEntry),
        {
            "tenant_id": tenant_id,
            "wallet_id": wallet_id,
            "kind": kind,
            "available_delta": d_avail * amount,
            "held_delta": d_held * amount,
            "order_id": order_id,
            "reason": reason,
            "actor_id": actor_id,
            "idempotency_key": key,
            "lot_id": lot_id,
        },
    )


def add_lot(
    session: Session,
    tenant_id: int,
    wallet_id: int,
    key: str,
    points: int,
    expires_at: datetime | None,
    program_id: int | None = None,
) -> None:
    """Record the credit just written under ``key`` as a lot (it expires, or a program
    granted it), so the expiry job and the rollover cap can find it."""
    entry_id = session.scalar(
        select(LedgerEntry.id).where(
            LedgerEntry.tenant_id == tenant_id, LedgerEntry.idempotency_key == key
        )
    )
    assert entry_id is not None
    session.execute(
        row_insert(Lot),
        {
            "tenant_id": tenant_id,
            "wallet_id": wallet_id,
            "entry_id": entry_id,
            "points": points,
            "expires_at": expires_at,
            "program_id": program_id,
        },
    )


def credit(
    session: Session,
    tenant_id: int,
    user_id: int,
    points: int,
    *,
    key: str,
    reason: str,
    actor_id: int | None = None,
    expires_at: datetime | None = None,
    program_id: int = GENERAL,
) -> None:
    """A grant to one of the user's wallets, with its lot when the points expire."""
    ensure_wallet(session, tenant_id, user_id, program_id)
    move(
        session,
        tenant_id,
        user_id,
        EntryKind.GRANT,
        points,
        key=key,
        reason=reason,
        actor_id=actor_id,
        program_id=program_id,
    )
    if expires_at is not None:
        wallet_id = session.scalar(
            select(Wallet.id).where(
                Wallet.tenant_id == tenant_id,
                Wallet.user_id == user_id,
                Wallet.program_id == program_id,
            )
        )
        assert wallet_id is not None
        add_lot(session, tenant_id, wallet_id, key, points, expires_at)


def balance(session: Session, user_id: int) -> Balance:
    """The user's balances over all their wallets (general and restricted)."""
    available, held, spent = session.execute(
        select(
            func.coalesce(func.sum(Wallet.available), 0),
            func.coalesce(func.sum(Wallet.held), 0),
            func.coalesce(func.sum(Wallet.spent), 0),
        ).where(Wallet.user_id == user_id)
    ).one()
    return Balance(int(available), int(held), int(spent))


def wallets(session: Session, user_id: int) -> list[Wallet]:
    """The user's wallets, general first."""
    return list(
        session.scalars(select(Wallet).where(Wallet.user_id == user_id).order_by(Wallet.program_id))
    )


def entries(
    session: Session, user_id: int, *, limit: int = 100, offset: int = 0
) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry)
            .join(Wallet, Wallet.id == LedgerEntry.wallet_id)
            .where(Wallet.user_id == user_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def grantable_people(ctx: Context) -> list[User]:
    """The people this actor may grant points to: everyone for tenant admins, the people of
    the locations they manage for managers."""
    actor = ctx.actor
    if actor is None:
        return []
    query = select(User).where(User.is_active).order_by(User.name)
    if not acts_tenant_wide(actor):
        managed = select(LocationModel.id).where(LocationModel.manager_id == actor.id)
        query = query.where(User.location_id.in_(managed))
    return list(ctx.session.scalars(query))


def check_grant(ctx: Context, points: int, reason: str) -> str:
    """Refuse a grant a manager may not make; the stripped reason otherwise."""
    settings = ctx.settings(AllowanceSettings)
    if not 1 <= points <= settings.max_grant:
        raise Invalid(f"a grant is between 1 and {settings.max_grant:,} {settings.points_label}")
    if not reason.strip():
        raise Invalid("say why you grant the points; the person sees the reason")
    if len(reason) > 500:
        raise Invalid("a reason has at most 500 characters")
    return reason.strip()


def grant(
    ctx: Context,
    user_id: int,
    points: int,
    reason: str,
    key: str,
    *,
    expires_at: datetime | None = None,
) -> LedgerEntry:
    """Grant points; the same key returns the first grant instead of granting twice.
    With ``expires_at`` the points form a lot that the expiry job takes back then."""
    actor = ctx.actor
    if actor is None:
        raise Forbidden("sign in to grant points")
    full_key = f"grant:{actor.id}:{key}"
    existing = ctx.session.scalar(
        select(LedgerEntry).where(LedgerEntry.idempotency_key == full_key)
    )
    if existing is not None:
        return existing
    clean = check_grant(ctx, points, reason)
    if expires_at is not None and expires_at <= ctx.now:
        raise Invalid("an expiry date must lie in the future")
    if user_id not in {u.id for u in grantable_people(ctx)}:
        raise NotFound("no such person among the people you manage")
    credit(
        ctx.session,
        ctx.tenant.id,
        user_id,
        points,
        key=full_key,
        reason=clean,
        actor_id=actor.id,
        expires_at=expires_at,
    )
    emit_event(
        ctx.session,
        ctx.tenant.id,
        "points_granted",
        {"user_id": user_id, "points": points, "reason": clean, "granted_by": actor.id},
    )
    ctx.session.flush()
    entry = ctx.session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == full_key))
    assert entry is not None
    return entry


def wallet_of(ctx: Context, user_id: int) -> Wallet:
    wallet = ctx.session.scalar(
        select(Wallet).where(Wallet.user_id == user_id, Wallet.program_id == GENERAL)
    )
    if wallet is None:
        raise NotFound("no wallet")
    return wallet
