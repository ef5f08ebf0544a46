"""The budgets page: a bar per location and period for managers (their locations) and
tenant admins (every location, with the forms that set budgets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from commissary.budgets import manage
from commissary.budgets.models import BudgetPeriod
from commissary.context import Context
from commissary.errors import DomainError, Invalid
from commissary.identity.models import Location
from commissary.identity.permissions import Permission, has_permission
from commissary.web.deps import page_requires
from commissary.web.rendering import redirect, render

router = APIRouter()
ViewerCtx = Annotated[Context, Depends(page_requires(Permission.BUDGETS_VIEW))]
AdminCtx = Annotated[Context, Depends(page_requires(Permission.BUDGETS_MANAGE))]


def _url(ctx: Context) -> str:
    return f"/t/{ctx.tenant.slug}/budgets"


@router.get("/budgets", response_class=HTMLResponse)
def budgets_page(request: Request, ctx: ViewerCtx) -> HTMLResponse:
    views = manage.overview(ctx)
    can_manage = ctx.actor is not None and has_permission(ctx.actor, Permission.BUDGETS_MANAGE)
    free: list[Location] = []
    if can_manage:
        taken = {v.location.id for v in views}
        free = [
            loc
            for loc in ctx.session.scalars(select(Location).order_by(Location.name))
            if loc.id not in taken
        ]
    return render(
        request,
        "budgets/overview.html",
        ctx,
        views=views,
        can_manage=can_manage,
        free_locations=free,
        periods=list(BudgetPeriod),
        everything=manage.sees_everything(ctx),
    )


def _period(value: str) -> BudgetPeriod:
    try:
        return BudgetPeriod(value)
    except ValueError:
        raise Invalid("a budget is per month or per quarter") from None


@router.post("/budgets")
def create(
    request: Request,
    ctx: AdminCtx,
    location_id: Annotated[int, Form()],
    period: Annotated[str, Form(max_length=20)],
    amount_points: Annotated[int, Form()],
    needs_approval: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    try:
        budget = manage.create(ctx, location_id, _period(period), amount_points, needs_approval)
    except DomainError as exc:
        ctx.session.rollback()
        return redirect(request, _url(ctx), f"Not saved: {exc.message}.")
    name = ctx.session.scalar(select(Location.name).where(Location.id == budget.location_id))
    return redirect(request, _url(ctx), f"Budget for {name} set.")


@router.post("/budgets/{budget_id}")
def update(
    request: Request,
    ctx: AdminCtx,
    budget_id: int,
    period: Annotated[str, Form(max_length=20)],
    amount_points: Annotated[int, Form()],
    needs_approval: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    manage.get(ctx, budget_id)  # a foreign or unknown id is a 404
    try:
        manage.update(ctx, budget_id, _period(period), amount_points, needs_approval)
    except DomainError as exc:
        ctx.session.rollback()
        return redirect(request, _url(ctx), f"Not saved: {exc.message}.")
    return redirect(request, _url(ctx), "Budget saved.")


@router.post("/budgets/{budget_id}/delete")
def delete(request: Request, ctx: AdminCtx, budget_id: int) -> RedirectResponse:
    manage.delete(ctx, budget_id)
    return redirect(request, _url(ctx), "Budget removed.")
