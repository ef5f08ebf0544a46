"""Budget routes: spend against budget (``budgets.view``: managers see the locations they
manage) and setting budgets (``budgets.manage``, tenant admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from commissary.budgets import manage
from commissary.budgets.schemas import (
    BudgetCreate,
    BudgetPublic,
    BudgetSpendPublic,
    BudgetUpdate,
)
from commissary.context import Context
from commissary.identity.permissions import Permission
from commissary.web.deps import api_requires

router = APIRouter(tags=["budgets"])
ViewerCtx = Annotated[Context, Depends(api_requires(Permission.BUDGETS_VIEW))]
AdminCtx = Annotated[Context, Depends(api_requires(Permission.BUDGETS_MANAGE))]
Periods = Annotated[int, Query(ge=1, le=24, description="periods per budget, newest last")]


@router.get("/budgets/spend", response_model=list[BudgetSpendPublic])
def spend(ctx: ViewerCtx, periods: Periods = manage.HISTORY) -> list[BudgetSpendPublic]:
    """Spend against budget per location and period, for the locations you manage (every
    location for tenant admins and approvers)."""
    return [BudgetSpendPublic.of(v) for v in manage.overview(ctx, periods)]


@router.get("/budgets/{budget_id}/spend", response_model=BudgetSpendPublic)
def budget_spend(
    ctx: ViewerCtx, budget_id: int, periods: Periods = manage.HISTORY
) -> BudgetSpendPublic:
    return BudgetSpendPublic.of(manage.one(ctx, budget_id, periods))


@router.get("/budgets", response_model=list[BudgetPublic])
def list_budgets(ctx: AdminCtx) -> list[BudgetPublic]:
    return [BudgetPublic.of(v.budget) for v in manage.overview(ctx, 1)]


@router.post("/budgets", response_model=BudgetPublic, status_code=201)
def create_budget(ctx: AdminCtx, body: BudgetCreate) -> BudgetPublic:
    return BudgetPublic.of(
        manage.create(ctx, body.location_id, body.period, body.amount_points, body.needs_approval)
    )


@router.get("/budgets/{budget_id}", response_model=BudgetPublic)
def get_budget(ctx: AdminCtx, budget_id: int) -> BudgetPublic:
    return BudgetPublic.of(manage.get(ctx, budget_id))


@router.put("/budgets/{budget_id}", response_model=BudgetPublic)
def update_budget(ctx: AdminCtx, budget_id: int, body: BudgetUpdate) -> BudgetPublic:
    return BudgetPublic.of(
        manage.update(ctx, budget_id, body.period, body.amount_points, body.needs_approval)
    )


@router.delete("/budgets/{budget_id}", status_code=204)
def delete_budget(ctx: AdminCtx, budget_id: int) -> Response:
    manage.delete(ctx, budget_id)
    return Response(status_code=204)
