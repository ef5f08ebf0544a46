"""Location budgets: points per month or quarter for a location and everything under it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow


class BudgetPeriod(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class LocationBudget(TenantScoped, Base):
    """``amount_points`` per period for a location's approved spend (its subtree's).

    ``checks`` counts the submissions checked against the budget; each one updates it,
    which makes concurrent submissions under the same budget take turns (see
    :func:`commissary.budgets.service.check_order`)."""

    __tablename__ = "location_budgets"
    __table_args__ = (CheckConstraint("amount_points > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), unique=True
    )
    period: Mapped[BudgetPeriod] = mapped_column(
        Enum(BudgetPeriod, native_enum=False, length=10, validate_strings=True)
    )
    amount_points: Mapped[int]
    # Orders that would take the location over its budget need approval (off: track only).
    needs_approval: Mapped[bool] = mapped_column(default=True)
    checks: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
