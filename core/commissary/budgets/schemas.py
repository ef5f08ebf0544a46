"""Budgets at the API's edge."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from commissary.budgets.manage import MAX_AMOUNT, BudgetView
from commissary.budgets.models import BudgetPeriod, LocationBudget


class BudgetCreate(BaseModel):
    location_id: int
    period: BudgetPeriod
    amount_points: int = Field(ge=1, le=MAX_AMOUNT)
    needs_approval: bool = True


class BudgetUpdate(BaseModel):
    period: BudgetPeriod
    amount_points: int = Field(ge=1, le=MAX_AMOUNT)
    needs_approval: bool = True


class BudgetPublic(BaseModel):
    id: int
    location_id: int
    period: BudgetPeriod
    amount_points: int
    needs_approval: bool

    @classmethod
    def of(cls, b: LocationBudget) -> BudgetPublic:
        return cls(
            id=b.id,
            location_id=b.location_id,
            period=b.period,
            amount_points=b.amount_points,
            needs_approval=b.needs_approval,
        )


class PeriodSpendPublic(BaseModel):
    period: str  # 2026-11, 2026-Q4
    label: str
    start: datetime
    end: datetime
    spent: int
    amount: int
    percent: int
    left: int


class BudgetSpendPublic(BaseModel):
    """A budget with its spend in the current period and the ones before (oldest first)."""

    budget: BudgetPublic
    location_name: str
    location_code: str
    periods: list[PeriodSpendPublic]

    @classmethod
    def of(cls, view: BudgetView) -> BudgetSpendPublic:
        return cls(
            budget=BudgetPublic.of(view.budget),
            location_name=view.location.name,
            location_code=view.location.code,
            periods=[
                PeriodSpendPublic(
                    period=p.key,
                    label=p.label,
                    start=p.start,
                    end=p.end,
                    spent=p.spent,
                    amount=p.amount,
                    percent=p.percent,
                    left=p.left,
                )
                for p in view.periods
            ],
        )
