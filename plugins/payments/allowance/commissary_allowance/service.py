"""Wallet operations: each is one conditional UPDATE of the wallet plus one ledger entry.

No balance can go negative: the UPDATE only matches while the balance covers the amount,
and CHECK constraints refuse anything else. Callers own the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, select, update
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
from commissary_allowance.models import EntryKind, LedgerEntry, Wallet
from commissary_allowance.settings import AllowanceSettings

# kind → (available delta sign, held delta sign, spent delta sign, the balance it draws on)
MOVES: dict[EntryKind, tuple[int, int, int, str | None]] = {
    EntryKind.GRANT: (1, 0, 0, None),
    EntryKind.HOLD: (-1, 1, 0, "available"),
    EntryKind.SPEND: (-1, 0, 1, "available"),
    EntryKind.CAPTURE: (0, -1, 1, "held"),
    EntryKind.RELEASE: (1, -1, 0, "held"),
}


@dataclass(frozen=True)
class Balance:
    available: int
    held: int
    spent: int


def ensure_wallet(session: Session, tenant_id: int, user_id: int) -> None:
    """Create the user's wallet if missing; safe when two requests race to create it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Wallet)
        .values(tenant_id=tenant_id, user_id=user_id, available=0, held=0, spent=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "user_id"])
    )


@cache
def _wallet_update(kind: EntryKind) -> Any:
    """The conditional UPDATE for one kind of movement, built once: it matches the wallet
    only while the balance it draws on covers ``amount``."""
    d_avail, d_held, d_spent, source = MOVES[kind]
    amount = bindparam("amount", type_=Integer)
    condition: list[ColumnElement[bool]] = [
        Wallet.tenant_id == bindparam("wallet_tenant", type_=Integer),
        Wallet.user_id == bindparam("wallet_user", type_=Integer),
    ]
    if source == "available":
        condition.append(Wallet.available >= amount)
    elif source == "held":
        condition.append(Wallet.held >= amount)
    return scoped(
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
) -> bool:
    """Apply one movement; False (and nothing written) when the balance does not cover it."""
    if amount <= 0:
        raise Invalid("an amount of points must be positive")
    d_avail, d_held, _spent, _source = MOVES[kind]
    wallet_id = session.execute(
        _wallet_update(kind),
        {"wallet_tenant": tenant_id, "wallet_user": user_id, "amount": amount},
    ).scalar()
    if wallet_id is None:
        return False
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
        },
    )
    return True


def balance(session: Session, user_id: int) -> Balance:
    wallet = session.scalar(select(Wallet).where(Wallet.user_id == user_id))
    if wallet is None:
        return Balance(0, 0, 0)
    return Balance(wallet.available, wallet.held, wallet.spent)


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


def grant(ctx: Context, user_id: int, points: int, reason: str, key: str) -> LedgerEntry:
    """Grant points; the same key returns the first grant instead of granting twice."""
    actor = ctx.actor
    if actor is None:
        raise Forbidden("sign in to grant points")
    settings = ctx.settings(AllowanceSettings)
    full_key = f"grant:{actor.id}:{key}"
    existing = ctx.session.scalar(
        select(LedgerEntry).where(LedgerEntry.idempotency_key == full_key)
    )
    if existing is not None:
        return existing
    if not 1 <= points <= settings.max_grant:
        raise Invalid(f"a grant is between 1 and {settings.max_grant:,} {settings.points_label}")
    if not reason.strip():
        raise Invalid("say why you grant the points; the person sees the reason")
    if len(reason) > 500:
        raise Invalid("a reason has at most 500 characters")
    if user_id not in {u.id for u in grantable_people(ctx)}:
        raise NotFound("no such person among the people you manage")
    ensure_wallet(ctx.session, ctx.tenant.id, user_id)
    move(
        ctx.session,
        ctx.tenant.id,
        user_id,
        EntryKind.GRANT,
        points,
        key=full_key,
        reason=reason.strip(),
        actor_id=actor.id,
    )
    emit_event(
        ctx.session,
        ctx.tenant.id,
        "points_granted",
        {"user_id": user_id, "points": points, "reason": reason.strip(), "granted_by": actor.id},
    )
    ctx.session.flush()
    entry = ctx.session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == full_key))
    assert entry is not None
    return entry


def wallet_of(ctx: Context, user_id: int) -> Wallet:
    wallet = ctx.session.scalar(select(Wallet).where(Wallet.user_id == user_id))
    if wallet is None:
        raise NotFound("no wallet")
    return wallet
