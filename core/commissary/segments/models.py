"""Customer types (segments) and curated catalogs: who may see and order which SKUs.

A curated catalog names categories, products and SKUs. Its membership is kept expanded
to SKU ids in ``catalog_skus`` (refreshed whenever entries or products change), so every
visibility check is one indexed semi-join, whatever the catalog's shape.
"""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped


class CustomerType(TenantScoped, Base):
    __tablename__ = "customer_types"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class UserCustomerType(TenantScoped, Base):
    __tablename__ = "user_customer_types"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    customer_type_id: Mapped[int] = mapped_column(
        ForeignKey("customer_types.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Catalog(TenantScoped, Base):
    __tablename__ = "catalogs"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))


class EntryKind(enum.StrEnum):
    CATEGORY = "category"
    PRODUCT = "product"
    SKU = "sku"


class CatalogEntry(TenantScoped, Base):
    """One category, product or SKU named by a catalog (a category takes all its products)."""

    __tablename__ = "catalog_entries"
    __table_args__ = (UniqueConstraint("catalog_id", "kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_id: Mapped[int] = mapped_column(ForeignKey("catalogs.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(
        Enum(EntryKind, native_enum=False, length=20, validate_strings=True)
    )
    target_id: Mapped[int]


class CatalogSku(TenantScoped, Base):
    """The expanded membership of a catalog (derived; see the module docstring)."""

    __tablename__ = "catalog_skus"

    catalog_id: Mapped[int] = mapped_column(
        ForeignKey("catalogs.id", ondelete="CASCADE"), primary_key=True
    )
    sku_id: Mapped[int] = mapped_column(
        ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CustomerTypeCatalog(TenantScoped, Base):
    __tablename__ = "customer_type_catalogs"

    customer_type_id: Mapped[int] = mapped_column(
        ForeignKey("customer_types.id", ondelete="CASCADE"), primary_key=True
    )
    catalog_id: Mapped[int] = mapped_column(
        ForeignKey("catalogs.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class LocationCatalog(TenantScoped, Base):
    """A location's own catalog: its people order only from it (besides their types')."""

    __tablename__ = "location_catalogs"

    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True
    )
    catalog_id: Mapped[int] = mapped_column(
        ForeignKey("catalogs.id", ondelete="CASCADE"), index=True
    )


__all__ = [
    "Catalog",
    "CatalogEntry",
    "CatalogSku",
    "CustomerType",
    "CustomerTypeCatalog",
    "EntryKind",
    "LocationCatalog",
    "UserCustomerType",
]
