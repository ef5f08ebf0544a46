"""The "away & delegates" page: an approver names who decides for them while away."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from commissary.approvals import delegation, service
from commissary.context import Context
from commissary.errors import Invalid, NotFound
from commissary.identity.permissions import Permission
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
ApproverCtx = Annotated[Context, Depends(page_requires(Permission.APPROVALS_DECIDE))]


@router.get("/approval-delegations", response_class=HTMLResponse)
def page(request: Request, ctx: ApproverCtx) -> HTMLResponse:
    rows = delegation.mine(ctx)
    ids: set[int | None] = {d.user_id for d in rows}
    ids |= {d.delegate_id for d in rows}
    names = service.people(ctx, ids)
    return render(
        request,
        "approval_delegations.html",
        ctx,
        rows=rows,
        names=names,
        colleagues=delegation.candidates(ctx),
        today=ctx.now.date(),
    )


@router.post("/approval-delegations")
async def create(request: Request, ctx: ApproverCtx) -> RedirectResponse:
    form = await request.form()
    back = f"/t/{ctx.tenant.slug}/approval-delegations"

    def work() -> RedirectResponse:
        try:
            delegate = str(form.get("delegate_id", ""))
            if not delegate.isdigit():
                raise Invalid("choose who decides for you")
            try:
                starts = date.fromisoformat(str(form.get("starts_on", "")))
                ends = date.fromisoformat(str(form.get("ends_on", "")))
            except ValueError as exc:
                raise Invalid("give the first and the last day of your absence") from exc
            row = delegation.create(ctx, int(delegate), starts, ends, str(form.get("note", "")))
        except (Invalid, NotFound) as exc:
            ctx.session.rollback()
            return redirect(request, back, f"Nothing was saved: {exc.message}")
        return redirect(
            request,
            back,
            f"Saved: your delegate decides for you from {row.starts_on} to {row.ends_on}.",
        )

    return await run_in_threadpool(work)


@router.post("/approval-delegations/{delegation_id}/delete")
def remove(request: Request, ctx: ApproverCtx, delegation_id: int) -> RedirectResponse:
    delegation.remove(ctx, delegation_id)
    return redirect(request, f"/t/{ctx.tenant.slug}/approval-delegations", "Delegation removed.")
