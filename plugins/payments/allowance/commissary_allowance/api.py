"""Wallet REST routes, mounted under ``/t/<slug>/api/v1`` where the plugin is enabled."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from commissary import ApiCtx, Context, Permission, api_requires, check_idempotency_key
from commissary_allowance import bulk, service
from commissary_allowance.api_more import router as more_router
from commissary_allowance.models import Wallet
from commissary_allowance.programs import programs
from commissary_allowance.schemas import (
    BulkGrantPublic,
    EntryPublic,
    GrantWithExpiry,
    PersonBalance,
    WalletPart,
    WalletPublic,
)
from commissary_allowance.settings import AllowanceSettings

router = APIRouter(tags=["wallet"])
GranterCtx = Annotated[Context, Depends(api_requires(Permission.POINTS_GRANT))]


def wallet_parts(ctx: Context, user_id: int) -> list[WalletPart]:
    """The user's wallets with the name and categories of restricted ones."""
    names = {p.id: (p.name, list(p.category_ids)) for p in programs(ctx.session)}
    return [
        WalletPart(
            program_id=w.program_id,
            program=names.get(w.program_id, ("General", []))[0] if w.program_id else "General",
            category_ids=names.get(w.program_id, ("", []))[1] if w.program_id else [],
            available=w.available,
            held=w.held,
            spent=w.spent,
        )
        for w in service.wallets(ctx.session, user_id)
    ]


@router.get("/wallet", response_model=WalletPublic)
def my_wallet(ctx: ApiCtx) -> WalletPublic:
    """The balances over all the user's wallets, and each wallet (``wallets``)."""
    assert ctx.actor is not None
    b = service.balance(ctx.session, ctx.actor.id)
    label = ctx.settings(AllowanceSettings).points_label
    return WalletPublic(
        user_id=ctx.actor.id,
        available=b.available,
        held=b.held,
        spent=b.spent,
        label=label,
        wallets=wallet_parts(ctx, ctx.actor.id),
    )


@router.get("/wallet/entries", response_model=list[EntryPublic])
def my_entries(
    ctx: ApiCtx,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[EntryPublic]:
    assert ctx.actor is not None
    return [
        EntryPublic.of(e)
        for e in service.entries(ctx.session, ctx.actor.id, limit=limit, offset=offset)
    ]


@router.get("/wallet/people", response_model=list[PersonBalance])
def people(ctx: GranterCtx) -> list[PersonBalance]:
    """The people this manager may grant points to, with their balances."""
    users = service.grantable_people(ctx)
    balances = dict(
        ctx.session.execute(
            select(Wallet.user_id, func.sum(Wallet.available))
            .where(Wallet.user_id.in_([u.id for u in users]))
            .group_by(Wallet.user_id)
        ).all()
    )
    return [
        PersonBalance(user_id=u.id, name=u.name, email=u.email, available=balances.get(u.id, 0))
        for u in users
    ]


@router.post("/wallet/grants", response_model=EntryPublic, status_code=201)
def grant(
    ctx: GranterCtx,
    body: GrantWithExpiry,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> EntryPublic:
    """Grant points to a person, optionally expiring at the start of ``expires_on``.
    Retrying with the same key grants once."""
    expires = datetime.combine(body.expires_on, time(0), tzinfo=UTC) if body.expires_on else None
    entry = service.grant(
        ctx,
        body.user_id,
        body.points,
        body.reason,
        check_idempotency_key(idempotency_key),
        expires_at=expires,
    )
    return EntryPublic.of(entry)


@router.post("/wallet/grants/bulk", response_model=BulkGrantPublic, status_code=201)
async def grant_bulk(
    request: Request,
    ctx: GranterCtx,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> BulkGrantPublic:
    """Grant from a CSV body (``text/csv``: ``email,points,reason[,expires_on]``): every
    row or none; a bad row answers 422 naming it. Retrying with the same key grants once."""
    raw = await request.body()
    key = check_idempotency_key(idempotency_key)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    return await run_in_threadpool(_bulk, ctx, text, key)


def _bulk(ctx: Context, text: str, key: str) -> BulkGrantPublic:
    result = bulk.grant_csv(ctx, text, key)
    return BulkGrantPublic(people=result.people, points=result.points, replayed=result.replayed)


# Requests for points and programs: their own module, one wallet router for the plugin.
router.include_router(more_router)
