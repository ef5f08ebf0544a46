"""Price lists: negotiated prices with quantity tiers, and percentage discounts, for a
whole tenant or one customer type, valid between two dates. See ``pricing.service`` for
the resolution order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped


class PriceList(TenantScoped, Base):
    __tablename__ = "price_lists"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    # None: applies to everyone in the tenant.
    customer_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_types.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    is_active: Mapped[bool] = mapped_column(default=True)


class PriceListItem(TenantScoped, Base):
    """A negotiated unit price for ``min_quantity`` units or more of one SKU (a tier)."""

    __tablename__ = "price_list_items"
    __table_args__ = (
        UniqueConstraint("price_list_id", "sku_id", "min_quantity"),
        CheckConstraint("unit_points >= 0", name="price_not_negative"),
        CheckConstraint("min_quantity >= 1", name="tier_starts_at_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"), index=True)
    min_quantity: Mapped[int] = mapped_column(default=1)
    unit_points: Mapped[int]


class PriceListDiscount(TenantScoped, Base):
    """A percentage off the list price of a whole catalog or category (or, with neither,
    of everything the list's buyers see)."""

    __tablename__ = "price_list_discounts"
    __table_args__ = (
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_in_range"),
        CheckConstraint(
            "NOT (category_id IS NOT NULL AND catalog_id IS NOT NULL)", name="one_target"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    catalog_id: Mapped[int | None] = mapped_column(ForeignKey("catalogs.id", ondelete="CASCADE"))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
