"""Master catalog rows (one set per deployment, no tenant) and the links from the
tenant products made from them.

The master rows belong to the operator. A tenant never reads them while its people
browse: curation copies the chosen master products into the tenant's own catalog
(``products``/``skus``), so the storefront, search, pricing, stock and orders keep working
on tenant rows only, scoped and indexed as before. The link tables remember where each
copy came from, so that a later feed updates every copy, and a withdrawal deactivates
them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MasterCategory(Base):
    __tablename__ = "master_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class MasterProduct(Base):
    """A product as its supplier describes it. ``slug`` is its key in feeds and is unique
    across the deployment (suppliers' own references go on the SKUs)."""

    __tablename__ = "master_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(150), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("master_categories.id", ondelete="SET NULL"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MasterSku(Base):
    """One orderable variant in the master catalog. ``list_points`` is the operator's
    suggested price, from which each tenant's price follows by its markup."""

    __tablename__ = "master_skus"
    __table_args__ = (CheckConstraint("list_points >= 0", name="list_points_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("master_products.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_code: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[str | None] = mapped_column(String(40))
    colour: Mapped[str | None] = mapped_column(String(40))
    list_points: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class Selection(TenantScoped, Base):
    """What a tenant sells from the master catalog: a whole master category (products the
    supplier adds later included) or one master product, at a markup on the list price."""

    __tablename__ = "master_selections"
    __table_args__ = (
        CheckConstraint(
            "(category_id IS NULL) <> (product_id IS NULL)", name="category_or_product"
        ),
        CheckConstraint("markup_percent >= -90 AND markup_percent <= 1000", name="markup_range"),
        UniqueConstraint("tenant_id", "category_id"),
        UniqueConstraint("tenant_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("master_categories.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("master_products.id", ondelete="CASCADE"), index=True
    )
    markup_percent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdoptedProduct(TenantScoped, Base):
    """The tenant product copied from a master product."""

    __tablename__ = "master_adopted_products"
    __table_args__ = (UniqueConstraint("tenant_id", "master_product_id"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    master_product_id: Mapped[int] = mapped_column(
        ForeignKey("master_products.id", ondelete="CASCADE"), index=True
    )


class AdoptedSku(TenantScoped, Base):
    """The tenant SKU copied from a master SKU."""

    __tablename__ = "master_adopted_skus"
    __table_args__ = (UniqueConstraint("tenant_id", "master_sku_id"),)

    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True)
    master_sku_id: Mapped[int] = mapped_column(
        ForeignKey("master_skus.id", ondelete="CASCADE"), index=True
    )
