"""The approvals inbox (filters, bulk actions) and the decision page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from commissary.approvals import service
from commissary.approvals import steps as approval_steps
from commissary.approvals.models import ApprovalRule
from commissary.context import Context
from commissary.errors import Conflict, Forbidden, Invalid
from commissary.identity.models import Location, User
from commissary.identity.permissions import Permission
from commissary.orders.models import LineStatus
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
PAGE_SIZES = (50, 200)
ApproverCtx = Annotated[Context, Depends(page_requires(Permission.APPROVALS_DECIDE))]


def _int(value: str | None, low: int = 0) -> int | None:
    return int(value) if value and value.strip().isdigit() and int(value) >= low else None


@router.get("/approvals", response_class=HTMLResponse)
def inbox(
    request: Request,
    ctx: ApproverCtx,
    page: int = 1,
    per_page: int = 50,
    location_id: str = "",
    buyer: str = "",
    rule: str = "",
    min_total: str = "",
    waiting_days: str = "",
) -> HTMLResponse:
    page = max(page, 1)
    size = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    filters = service.InboxFilters(
        location_id=_int(location_id, 1),
        buyer=buyer[:100],
        rule=rule[:80],
        min_total=_int(min_total),
        waiting_days=_int(waiting_days),
    )
    rows, total = service.inbox(ctx, limit=size, offset=(page - 1) * size, filters=filters)
    locations = ctx.session.execute(
        select(Location.id, Location.name).order_by(Location.name)
    ).all()
    rules = ctx.session.execute(
        select(ApprovalRule.id, ApprovalRule.name).order_by(ApprovalRule.name)
    ).all()
    query = {
        "per_page": size if size != PAGE_SIZES[0] else "",
        "location_id": filters.location_id or "",
        "buyer": filters.buyer,
        "rule": filters.rule,
        "min_total": "" if filters.min_total is None else filters.min_total,
        "waiting_days": "" if filters.waiting_days is None else filters.waiting_days,
    }
    return render(
        request,
        "approvals.html",
        ctx,
        rows=rows,
        total=total,
        page=page,
        page_size=size,
        page_sizes=PAGE_SIZES,
        filters=filters,
        filtered=any(v for k, v in query.items() if k != "per_page"),
        query="".join(f"{k}={v}&" for k, v in query.items() if v != ""),
        locations=locations,
        rule_options=[("points_threshold", "Points threshold (portal setting)")]
        + [(f"rule:{i}", name) for i, name in rules],
    )


@router.post("/approvals/bulk", response_model=None)
async def decide_many(request: Request, ctx: ApproverCtx) -> RedirectResponse | HTMLResponse:
    """Form fields: ``order_id`` (repeated), ``all`` = approve | reject, ``reason``."""
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("order_id") if str(v).isdigit()]
    choice = str(form.get("all", ""))
    reason = str(form.get("reason", ""))
    back = f"/t/{ctx.tenant.slug}/approvals"

    def work() -> RedirectResponse:
        if choice not in ("approve", "reject"):
            return redirect(request, back, "Choose approve or reject.")
        if not ids:
            return redirect(request, back, "Tick the orders to decide first.")
        try:
            results = service.decide_many(ctx, ids, service.Decision(choice), reason)
        except Invalid as exc:
            ctx.session.rollback()
            return redirect(request, back, f"Nothing was saved: {exc.message}")
        done = sum(1 for r in results if r.ok)
        failed = [f"SO-{r.order_id:06d}: {r.error}" for r in results if not r.ok]
        verb = "approved" if choice == "approve" else "rejected"
        message = f"{done} order{'s' if done != 1 else ''} {verb}."
        if failed:
            message += " Not decided: " + "; ".join(failed)
        return redirect(request, back, message)

    return await run_in_threadpool(work)


def _decision_page(
    request: Request, ctx: Context, order_id: int, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    found = service.order_to_decide(ctx, order_id)
    buyer = ctx.session.get(User, found.user_id)
    order_steps = approval_steps.of_order(ctx, found.id)
    actor = ctx.actor
    assert actor is not None
    acting = {actor.id} | approval_steps.delegators(ctx, actor)
    mine = {s.line_id for s in order_steps if approval_steps.may_decide(s, actor, acting)}
    bare = service.unstepped_lines(ctx, found, order_steps)
    if bare and service.may_decide_unstepped(ctx, actor, found):
        mine |= bare
    names = service.people(
        ctx,
        {s.approver_user_id for s in order_steps}
        | {s.decided_by_id for s in order_steps}
        | {s.on_behalf_of_id for s in order_steps},
    )
    by_line: dict[int, list[object]] = {}
    for s in order_steps:
        by_line.setdefault(s.line_id, []).append(s)
    return render(
        request,
        "approval.html",
        ctx,
        status_code=status_code,
        order=found,
        buyer=buyer,
        error=error,
        steps_by_line=by_line,
        mine=mine,
        names=names,
    )


@router.get("/approvals/{order_id}", response_class=HTMLResponse)
def order(request: Request, ctx: ApproverCtx, order_id: int) -> HTMLResponse:
    return _decision_page(request, ctx, order_id)


@router.post("/approvals/{order_id}", response_model=None)
async def decide(
    request: Request, ctx: ApproverCtx, order_id: int
) -> RedirectResponse | HTMLResponse:
    """Form fields: ``line_<id>`` = approve | reject | empty (leave pending) with
    ``reason_<id>`` and ``qty_<id>`` (approve fewer units); or ``all`` = approve | reject
    with ``reason``."""
    form = await request.form()
    whole = str(form.get("all", ""))
    decisions = []
    for key, value in form.multi_items():
        if not (key.startswith("line_") and key[5:].isdigit() and value in ("approve", "reject")):
            continue
        qty = str(form.get(f"qty_{key[5:]}", "")).strip()
        decisions.append(
            service.LineDecision(
                int(key[5:]),
                service.Decision(str(value)),
                str(form.get(f"reason_{key[5:]}", "")),
                int(qty) if qty.isdigit() and value == "approve" else None,
            )
        )

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
        except (Invalid, Conflict, Forbidden) as exc:
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


from commissary.approvals import delegation_pages, rules_pages  # noqa: E402

router.include_router(delegation_pages.router)
router.include_router(rules_pages.router)
