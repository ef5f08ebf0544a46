"""The approvals inbox and the decision page for managers and approvers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from commissary.approvals import service
from commissary.context import Context
from commissary.errors import Conflict, Invalid
from commissary.identity.models import User
from commissary.identity.permissions import Permission
from commissary.orders.models import LineStatus
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
PAGE_SIZE = 50
ApproverCtx = Annotated[Context, Depends(page_requires(Permission.APPROVALS_DECIDE))]


@router.get("/approvals", response_class=HTMLResponse)
def inbox(request: Request, ctx: ApproverCtx, page: int = 1) -> HTMLResponse:
    page = max(page, 1)
    rows, total = service.inbox(ctx, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request, "approvals.html", ctx, rows=rows, total=total, page=page, page_size=PAGE_SIZE
    )


def _decision_page(
    request: Request, ctx: Context, order_id: int, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    found = service.order_to_decide(ctx, order_id)
    buyer = ctx.session.get(User, found.user_id)
    return render(
        request,
        "approval.html",
        ctx,
        status_code=status_code,
        order=found,
        buyer=buyer,
        error=error,
    )


@router.get("/approvals/{order_id}", response_class=HTMLResponse)
def order(request: Request, ctx: ApproverCtx, order_id: int) -> HTMLResponse:
    return _decision_page(request, ctx, order_id)


@router.post("/approvals/{order_id}", response_model=None)
async def decide(
    request: Request, ctx: ApproverCtx, order_id: int
) -> RedirectResponse | HTMLResponse:
    """Form fields: ``line_<id>`` = approve | reject | empty (leave pending) with
    ``reason_<id>``; or ``all`` = approve | reject with ``reason``."""
    form = await request.form()
    whole = str(form.get("all", ""))
    decisions = [
        service.LineDecision(
            int(key[5:]), service.Decision(str(value)), str(form.get(f"reason_{key[5:]}", ""))
        )
        for key, value in form.multi_items()
        if key.startswith("line_") and key[5:].isdigit() and value in ("approve", "reject")
    ]

    def work() -> RedirectResponse | HTMLResponse:
        try:
            if whole in ("approve", "reject"):
                found = service.decide_whole(
                    ctx, order_id, service.Decision(whole), str(form.get("reason", ""))
                )
            elif decisions:
                found = service.decide(ctx, order_id, decisions)
            else:
                raise Invalid("choose approve or reject for at least one line")
        except (Invalid, Conflict) as exc:
            ctx.session.rollback()
            return _decision_page(request, ctx, order_id, exc.message, exc.status_code)
        pending = sum(1 for x in found.lines if x.status is LineStatus.PENDING)
        if pending:
            return redirect(
                request,
                f"/t/{ctx.tenant.slug}/approvals/{order_id}",
                f"{found.number}: saved; {pending} line(s) still wait for a decision.",
            )
        return redirect(
            request,
            f"/t/{ctx.tenant.slug}/approvals",
            f"{found.number}: {found.status.value.replace('_', ' ')}.",
        )

    return await run_in_threadpool(work)
