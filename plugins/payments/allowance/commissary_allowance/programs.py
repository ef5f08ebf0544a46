"""Allowance programs and their renewals.

A program grants ``points_per_period`` every month or quarter from its renewal date
(``starts_on``) to everyone of the tenant, or of one customer type. Its points go to the
general wallet, or — when it names categories — to a restricted wallet of its own.

**Renewal is idempotent.** The renewal of one person for one period is the ledger entry
keyed ``renew:<program>:<user>:<period start>``; the job locks the wallet first and looks
for that key, and the ledger's unique key backs it up, so running the job twice, or two
jobs at once, grants once per period.

**Pro-rating.** Someone who joins after a period started gets, for that period,
``floor(points_per_period * days left / days in the period)`` where *days left* counts
from the day they joined (that day included) to the next renewal (excluded). Example:
300 points a month, the period runs 1 November to 1 December (30 days), joined on
21 November: 10 days left, ``floor(300 * 10 / 30) = 100`` points.

**Expiry and rollover.** Each renewal is a lot that expires ``expiry_days`` after the
period starts (never, when unset). At each renewal, the program's unspent points from
earlier periods above ``rollover_cap`` are forfeited, earliest-expiring first.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from commissary import Conflict, Context, Forbidden, NotFound, User, acts_tenant_wide
from commissary_allowance.lots import forfeit_above_cap, lock_wallet, replay
from commissary_allowance.models import GENERAL, EntryKind, LedgerEntry, Lot, Program, Wallet
from commissary_allowance.schemas import ProgramCreate
from commissary_allowance.service import add_lot, ensure_wallet, move_wallet

Transactions = Callable[[], AbstractContextManager[Session]]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_of(program: Program, on: date) -> tuple[date, date] | None:
    """The period ``[start, end)`` of the program that contains ``on``; None before it starts."""
    anchor, step = program.starts_on, program.period.months
    months = (on.year - anchor.year) * 12 + on.month - anchor.month
    if on.day < anchor.day:
        months -= 1
    if months < 0:
        return None
    start = add_months(anchor, months // step * step)
    return start, add_months(start, step)


def prorated(points: int, start: date, end: date, joined: date) -> int:
    """The points of a period for someone who joined on ``joined`` (see module docstring)."""
    if joined <= start:
        return points
    if joined >= end:
        return 0
    return points * (end - joined).days // (end - start).days


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# Managing programs (tenant admins)
# ---------------------------------------------------------------------------------------


def _require_admin(ctx: Context) -> None:
    if ctx.actor is None or not acts_tenant_wide(ctx.actor):
        raise Forbidden("only tenant administrators manage allowance programs")


def _check_categories(ctx: Context, ids: list[int]) -> None:
    """Every category must exist in this tenant (another tenant's id answers 404)."""
    if not ids:
        return
    from sqlalchemy import column, table

    categories = table("categories", column("id"), column("tenant_id"))
    found = set(
        ctx.session.scalars(
            select(categories.c.id).where(
                categories.c.tenant_id == ctx.tenant.id, categories.c.id.in_(ids)
            )
        )
    )
    missing = sorted(set(ids) - found)
    if missing:
        raise NotFound(f"no category {missing[0]} in this portal")


def _check_customer_type(ctx: Context, customer_type_id: int | None) -> None:
    """The customer type must exist in this tenant (another tenant's id answers 404)."""
    if customer_type_id is None:
        return
    from sqlalchemy import column, table

    types = table("customer_types", column("id"), column("tenant_id"))
    found = ctx.session.scalar(
        select(types.c.id).where(types.c.tenant_id == ctx.tenant.id, types.c.id == customer_type_id)
    )
    if found is None:
        raise NotFound(f"no customer type {customer_type_id} in this portal")


def create_program(ctx: Context, body: ProgramCreate) -> Program:
    _require_admin(ctx)
    _check_categories(ctx, body.category_ids)
    _check_customer_type(ctx, body.customer_type_id)
    program = Program(
        tenant_id=ctx.tenant.id,
        name=body.name.strip(),
        customer_type_id=body.customer_type_id,
        points_per_period=body.points_per_period,
        period=body.period,
        starts_on=body.starts_on,
        expiry_days=body.expiry_days,
        rollover_cap=body.rollover_cap,
        prorate=body.prorate,
        category_ids=sorted(set(body.category_ids)),
    )
    ctx.session.add(program)
    ctx.session.flush()
    return program


def programs(session: Session) -> list[Program]:
    return list(session.scalars(select(Program).order_by(Program.id)))


def program_of(ctx: Context, program_id: int) -> Program:
    program = ctx.session.get(Program, program_id)
    if program is None or program.tenant_id != ctx.tenant.id:
        raise NotFound("no such program")
    return program


def has_granted(ctx: Context, program_id: int) -> bool:
    """Whether any period of the program was granted already (it left a lot)."""
    return (
        ctx.session.scalar(select(Lot.id).where(Lot.program_id == program_id).limit(1)) is not None
    )


def update_program(ctx: Context, program_id: int, body: ProgramCreate) -> Program:
    """Change a program; later renewals follow the new terms, granted points stay as they
    were. Once a period was granted, the renewal date and the period stay (each period is
    granted once by its start date: moving it would grant a period twice), and the
    program cannot switch between the general wallet and a restricted one."""
    _require_admin(ctx)
    program = program_of(ctx, program_id)
    _check_categories(ctx, body.category_ids)
    _check_customer_type(ctx, body.customer_type_id)
    if has_granted(ctx, program.id):
        if body.starts_on != program.starts_on or body.period != program.period:
            raise Conflict(
                "this program has granted points already: its renewal date and period stay; "
                "deactivate it and create a new one to change them"
            )
        if bool(body.category_ids) != bool(program.category_ids):
            raise Conflict(
                "this program has granted points already: it cannot switch between the "
                "general wallet and a restricted one; create a new program instead"
            )
    program.name = body.name.strip()
    program.customer_type_id = body.customer_type_id
    program.points_per_period = body.points_per_period
    program.period = body.period
    program.starts_on = body.starts_on
    program.expiry_days = body.expiry_days
    program.rollover_cap = body.rollover_cap
    program.prorate = body.prorate
    program.category_ids = sorted(set(body.category_ids))
    ctx.session.flush()
    return program


def set_active(ctx: Context, program_id: int, active: bool) -> Program:
    _require_admin(ctx)
    program = program_of(ctx, program_id)
    program.is_active = active
    ctx.session.flush()
    return program


# ---------------------------------------------------------------------------------------
# Renewals (the scheduled job)
# ---------------------------------------------------------------------------------------


def members(session: Session, program: Program) -> list[tuple[int, datetime]]:
    """``(user_id, joined)`` of the active people the program grants to. Targeting by
    customer type needs ``User.customer_type_id`` (being added to the core); until it
    exists, a targeted program grants to nobody rather than to everyone."""
    query = select(User.id, User.created_at).where(
        User.tenant_id == program.tenant_id, User.is_active
    )
    if program.customer_type_id is not None:
        column = getattr(User, "customer_type_id", None)
        if column is None:
            return []
        query = query.where(column == program.customer_type_id)
    return [(u, j) for u, j in session.execute(query.order_by(User.id)).all()]


def renew_member(
    session: Session, program: Program, user_id: int, joined: datetime, start: date, end: date
) -> int:
    """Renew one person for the period starting ``start``; the points granted (0 when
    done already or pro-rated to nothing)."""
    wallet_program = program.id if program.category_ids else GENERAL
    key = f"renew:{program.id}:{user_id}:{start.isoformat()}"
    ensure_wallet(session, program.tenant_id, user_id, wallet_program)
    wallet_id = session.scalar(
        select(Wallet.id).where(
            Wallet.tenant_id == program.tenant_id,
            Wallet.user_id == user_id,
            Wallet.program_id == wallet_program,
        )
    )
    assert wallet_id is not None
    lock_wallet(session, wallet_id)
    done = session.scalar(
        select(LedgerEntry.id).where(
            LedgerEntry.tenant_id == program.tenant_id, LedgerEntry.idempotency_key == key
        )
    )
    if done is not None:
        return 0
    if program.rollover_cap is not None:
        state = replay(session, wallet_id)
        forfeit_above_cap(
            session, program.tenant_id, wallet_id, program.id, program.rollover_cap, key, state
        )
    joined_on = joined.astimezone(UTC).date()
    points = (
        prorated(program.points_per_period, start, end, joined_on)
        if program.prorate
        else program.points_per_period
    )
    if points <= 0:
        return 0
    move_wallet(
        session,
        program.tenant_id,
        wallet_id,
        EntryKind.RENEWAL,
        points,
        key=key,
        reason=f"{program.name}: {start.isoformat()} to {(end - timedelta(days=1)).isoformat()}",
    )
    expires = (
        _midnight(start) + timedelta(days=program.expiry_days) if program.expiry_days else None
    )
    add_lot(session, program.tenant_id, wallet_id, key, points, expires, program.id)
    return points


def renew_all(transaction: Transactions, now: datetime) -> int:
    """Grant every active program's current period to its members who lack it. One short
    transaction per person, so a renewal never holds many wallets locked while
    checkouts wait. Returns how many people were granted points."""
    with transaction() as session:
        found = [
            (p.id, p.tenant_id)
            for p in session.scalars(select(Program).where(Program.is_active).order_by(Program.id))
        ]
    granted = 0
    today = now.astimezone(UTC).date()
    for program_id, tenant_id in found:
        with transaction() as session:
            program = session.get(Program, program_id)
            bounds = period_of(program, today) if program is not None else None
            people = members(session, program) if program and bounds else []
        if bounds is None:
            continue
        for user_id, joined in people:
            if joined.astimezone(UTC).date() >= bounds[1]:
                continue
            with transaction() as session:
                session.info["tenant_id"] = tenant_id
                program = session.get(Program, program_id)
                assert program is not None
                granted += bool(renew_member(session, program, user_id, joined, *bounds))
    return granted
