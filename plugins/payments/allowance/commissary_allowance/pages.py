"""Wallet pages: the buyer's balance and history, and the manager's grant form (single
and from a CSV file); requests for points are in :mod:`commissary_allowance.pages_requests`."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from commissary import (
    Context,
    Invalid,
    NotFound,
    PageCtx,
    Permission,
    User,
    page_requires,
    redirect,
    render,
)
from commissary_allowance import requests, service
from commissary_allowance.api import wallet_parts
from commissary_allowance.models import Wallet
from commissary_allowance.pages_programs import router as programs_router
from commissary_allowance.pages_requests import router as requests_router
from commissary_allowance.settings import AllowanceSettings

router = APIRouter()
GranterCtx = Annotated[Context, Depends(page_requires(Permission.POINTS_GRANT))]


@router.get("/wallet", response_class=HTMLResponse)
def wallet(request: Request, ctx: PageCtx) -> HTMLResponse:
    assert ctx.actor is not None
    entries = service.entries(ctx.session, ctx.actor.id, limit=200)
    actor_ids = {e.actor_id for e in entries if e.actor_id}
    names = dict(
        ctx.session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all()
    )
    return render(
        request,
        "allowance/wallet.html",
        ctx,
        balance=service.balance(ctx.session, ctx.actor.id),
        parts=wallet_parts(ctx, ctx.actor.id),
        my_requests=requests.mine(ctx),
        entries=entries,
        names=names,
        label=ctx.settings(AllowanceSettings).points_label,
    )


def grant_page(
    request: Request, ctx: Context, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    people = service.grantable_people(ctx)
    balances = dict(
        ctx.session.execute(
            select(Wallet.user_id, func.sum(Wallet.available))
            .where(Wallet.user_id.in_([u.id for u in people]))
            .group_by(Wallet.user_id)
        ).all()
    )
    settings = ctx.settings(AllowanceSettings)
    return render(
        request,
        "allowance/grant.html",
        ctx,
        status_code=status_code,
        people=people,
        balances=balances,
        label=settings.points_label,
        max_grant=settings.max_grant,
        grant_key=secrets.token_urlsafe(16),
        bulk_key=secrets.token_urlsafe(16),
        error=error,
    )


@router.get("/wallet/grant", response_class=HTMLResponse)
def grant_form(request: Request, ctx: GranterCtx) -> HTMLResponse:
    return grant_page(request, ctx)


@router.post("/wallet/grant", response_model=None)
def grant(
    request: Request,
    ctx: GranterCtx,
    user_id: Annotated[int, Form()],
    points: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=500)],
    grant_key: Annotated[str, Form(max_length=100)],
) -> RedirectResponse | HTMLResponse:
    try:
        entry = service.grant(ctx, user_id, points, reason, f"page:{grant_key}")
    except (Invalid, NotFound) as exc:
        ctx.session.rollback()
        return grant_page(request, ctx, exc.message, exc.status_code)
    person = ctx.session.get(User, user_id)
    label = ctx.settings(AllowanceSettings).points_label
    name = person.name if person else "the person"
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/wallet/grant",
        f"Granted {entry.available_delta:,} {label} to {name}.",
    )


router.include_router(requests_router)
router.include_router(programs_router)
