"""Wallet REST routes, mounted under ``/t/<slug>/api/v1`` where the plugin is enabled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from sqlalchemy import select

from commissary import ApiCtx, Context, Permission, api_requires, check_idempotency_key
from commissary_allowance import service
from commissary_allowance.models import Wallet
from commissary_allowance.schemas import EntryPublic, GrantRequest, PersonBalance, WalletPublic
from commissary_allowance.settings import AllowanceSettings

router = APIRouter(tags=["wallet"])
GranterCtx = Annotated[Context, Depends(api_requires(Permission.POINTS_GRANT))]


@router.get("/wallet", response_model=WalletPublic)
def my_wallet(ctx: ApiCtx) -> WalletPublic:
    assert ctx.actor is not None
    b = service.balance(ctx.session, ctx.actor.id)
    label = ctx.settings(AllowanceSettings).points_label
    return WalletPublic(
        user_id=ctx.actor.id, available=b.available, held=b.held, spent=b.spent, label=label
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
            select(Wallet.user_id, Wallet.available).where(
                Wallet.user_id.in_([u.id for u in users])
            )
        ).all()
    )
    return [
        PersonBalance(user_id=u.id, name=u.name, email=u.email, available=balances.get(u.id, 0))
        for u in users
    ]


@router.post("/wallet/grants", response_model=EntryPublic, status_code=201)
def grant(
    ctx: GranterCtx,
    body: GrantRequest,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> EntryPublic:
    """Grant points to a person. Retrying with the same key grants once."""
    entry = service.grant(
        ctx, body.user_id, body.points, body.reason, check_idempotency_key(idempotency_key)
    )
    return EntryPublic.of(entry)
