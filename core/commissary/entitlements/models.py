"""Entitlements (caps per person and period on a SKU, product or category) and the
per-person guard row that serialises concurrent submissions checked against them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow


class TargetKind(enum.StrEnum):
    SKU = "sku"
    PRODUCT = "product"
    CATEGORY = "category"


class PeriodKind(enum.StrEnum):
    """``rolling``: the last ``months`` months up to now; the others: the calendar year,
    quarter or month (UTC) that now falls in."""

    ROLLING = "rolling"
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


class Enforcement(enum.StrEnum):
    HARD = "hard"  # refused with a 422: nothing changes
    APPROVAL = "approval"  # the order goes to approval, naming the entitlement


class Entitlement(TenantScoped, Base):
    """At most ``quantity`` units of the target per person and period, for everyone or for
    the members of one customer type. Several may apply to one SKU: each is checked, so
    the strictest wins."""

    __tablename__ = "entitlements"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(
            "(period = 'ROLLING' AND months BETWEEN 1 AND 60)"
            " OR (period <> 'ROLLING' AND months IS NULL)",
            name="period_months",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    target_kind: Mapped[TargetKind] = mapped_column(
        Enum(TargetKind, native_enum=False, length=10, validate_strings=True)
    )
    # A SKU, product or category id, by ``target_kind`` (checked against the tenant's
    # catalog when saved; deleting the target makes the entitlement match nothing).
    target_id: Mapped[int]
    customer_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_types.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]
    period: Mapped[PeriodKind] = mapped_column(
        Enum(PeriodKind, native_enum=False, length=10, validate_strings=True)
    )
    months: Mapped[int | None]
    enforcement: Mapped[Enforcement] = mapped_column(
        Enum(Enforcement, native_enum=False, length=10, validate_strings=True)
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EntitlementGuard(TenantScoped, Base):
    """One row per person who submitted an order that entitlements apply to.

    A submission upserts its buyer's row before counting what they ordered: a concurrent
    submission of the same buyer waits on that row until the first commits, then counts
    again and sees the first order (PostgreSQL READ COMMITTED takes a fresh snapshot per
    statement; SQLite runs one writer at a time). No SELECT FOR UPDATE involved."""

    __tablename__ = "entitlement_guards"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    checks: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
