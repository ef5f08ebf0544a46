"""Categories, products and their orderable variants (SKUs)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commissary.db import Base, TenantScoped


class Category(TenantScoped, Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)


class Product(TenantScoped, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(150))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    # A short, lower-cased text of name, SKU codes and attributes for the basic search.
    # Full-text search (FTS5 / tsvector) replaces it in issue 3.
    search_text: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)

    skus: Mapped[list[Sku]] = relationship(
        back_populates="product", order_by="Sku.position", lazy="raise"
    )


class Sku(TenantScoped, Base):
    """One orderable variant. Points price is the tenant's list price for it."""

    __tablename__ = "skus"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("price_points >= 0", name="price_not_negative"),
        CheckConstraint(
            "min_quantity >= 1 AND quantity_step >= 1"
            " AND (max_quantity IS NULL OR max_quantity >= min_quantity)",
            name="quantity_rules",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    size: Mapped[str | None] = mapped_column(String(40))
    colour: Mapped[str | None] = mapped_column(String(40))
    price_points: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    # Quantity rules for a cart line of this SKU: at least ``min_quantity``, at most
    # ``max_quantity`` (None: no cap), in steps of ``quantity_step`` (packs of 10).
    min_quantity: Mapped[int] = mapped_column(default=1, server_default="1")
    max_quantity: Mapped[int | None] = mapped_column(default=None)
    quantity_step: Mapped[int] = mapped_column(default=1, server_default="1")
    is_active: Mapped[bool] = mapped_column(default=True)

    product: Mapped[Product] = relationship(back_populates="skus", lazy="raise")

    @property
    def label(self) -> str:
        parts = [p for p in (self.size, self.colour) if p]
        return " / ".join(parts) if parts else self.code
