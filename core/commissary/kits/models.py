"""Kits, their components, and kits waiting in a buyer's cart.

A component names either one SKU (a cap that comes in one size) or a product whose
variant the buyer chooses when ordering (the shirt, in their size). An order keeps no
kit row of its own: it gets one order line per component SKU, each carrying ``kit_id``
and ``kit_group``, so stock, reservations, fulfilment and reports track every component
individually while the order page can still show them together.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow


class KitPricing(enum.StrEnum):
    KIT = "kit"  # the kit's own price, shared out over its component lines
    SUM = "sum"  # each component priced as if ordered alone (price lists, tiers, hooks)


class Kit(TenantScoped, Base):
    __tablename__ = "kits"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("price_points >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    pricing: Mapped[KitPricing] = mapped_column(Enum(KitPricing, native_enum=False, length=8))
    price_points: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KitComponent(TenantScoped, Base):
    __tablename__ = "kit_components"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("(sku_id IS NULL) <> (product_id IS NULL)", name="sku_or_product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("kits.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(120))
    # Exactly one of: a fixed SKU, or a product whose variant the buyer picks.
    sku_id: Mapped[int | None] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(default=1)


class CartKit(TenantScoped, Base):
    """A kit in a buyer's cart, with the SKU chosen for each component."""

    __tablename__ = "cart_kits"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("kits.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    # {"<component id>": <sku id>} for every component.
    choices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
