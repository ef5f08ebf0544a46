"""Pages for requests for points (the buyer's form, the manager's inbox) and bulk grants
from a CSV file (on the grant page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from commissary import (
    Conflict,
    Context,
    Forbidden,
    Invalid,
    NotFound,
    PageCtx,
    Permission,
    User,
    page_requires,
    redirect,
    render,
)
from commissary_allowance import bulk, requests
from commissary_allowance.settings import AllowanceSettings

router = APIRouter()
GranterCtx = Annotated[Context, Depends(page_requires(Permission.POINTS_GRANT))]


@router.post("/wallet/requests", response_model=None)
def ask(
    request: Request,
    ctx: PageCtx,
    points: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=500)],
) -> RedirectResponse:
    base = f"/t/{ctx.tenant.slug}/wallet"
    try:
        requests.ask(ctx, points, reason)
    except (Invalid, Conflict, Forbidden) as exc:
        ctx.session.rollback()
        return redirect(request, base, f"Your request was not sent: {exc.message}.")
    return redirect(request, base, "Your request was sent to your manager.")


def _inbox(
    request: Request, ctx: Context, error: str | None = None, status: int = 200
) -> HTMLResponse:
    pending = requests.inbox(ctx)
    ids = {r.user_id for r in pending}
    people = {u.id: u for u in ctx.session.scalars(select(User).where(User.id.in_(ids)))}
    return render(
        request,
        "allowance/requests.html",
        ctx,
        status_code=status,
        pending=pending,
        people=people,
        label=ctx.settings(AllowanceSettings).points_label,
        error=error,
    )


@router.get("/wallet/requests", response_class=HTMLResponse)
def inbox(request: Request, ctx: GranterCtx) -> HTMLResponse:
    return _inbox(request, ctx)


@router.post("/wallet/requests/{request_id}/decide", response_model=None)
def decide(
    request: Request,
    ctx: GranterCtx,
    request_id: int,
    decision: Annotated[str, Form(pattern="^(approve|decline)$")],
    note: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse | HTMLResponse:
    try:
        decided = requests.decide(ctx, request_id, decision == "approve", note)
    except (Invalid, Conflict, Forbidden) as exc:
        ctx.session.rollback()
        return _inbox(request, ctx, exc.message, exc.status_code)
    except NotFound:
        ctx.session.rollback()
        raise
    label = ctx.settings(AllowanceSettings).points_label
    done = "Granted" if decision == "approve" else "Declined"
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/wallet/requests",
        f"{done} the request for {decided.points:,} {label}.",
    )


@router.post("/wallet/grant/bulk", response_model=None)
async def grant_bulk(
    request: Request,
    ctx: GranterCtx,
    file: Annotated[UploadFile, File()],
    bulk_key: Annotated[str, Form(max_length=100)],
) -> RedirectResponse | HTMLResponse:
    from starlette.concurrency import run_in_threadpool

    raw = await file.read(2_000_000)
    return await run_in_threadpool(_grant_bulk, request, ctx, raw, bulk_key)


def _grant_bulk(
    request: Request, ctx: Context, raw: bytes, bulk_key: str
) -> RedirectResponse | HTMLResponse:
    from commissary_allowance.pages import grant_page

    try:
        result = bulk.grant_csv(ctx, raw.decode("utf-8", errors="strict"), f"page:{bulk_key}")
    except UnicodeDecodeError:
        ctx.session.rollback()
        return grant_page(request, ctx, "the file is not UTF-8 text (save it as CSV UTF-8)", 422)
    except (Invalid, NotFound, Forbidden) as exc:
        ctx.session.rollback()
        return grant_page(request, ctx, exc.message, exc.status_code)
    label = ctx.settings(AllowanceSettings).points_label
    return redirect(
        request,
        f"/t/{ctx.tenant.slug}/wallet/grant",
        f"Granted {result.points:,} {label} to {result.people} people.",
    )
