"""Stock: tenant-wide per SKU for ordering, per warehouse for shipping.

Two levels, kept in step by :mod:`commissary.inventory.service` in one transaction:

- ``stock_levels`` (one row per SKU): ``on_hand`` is the sum over the tenant's warehouses,
  ``reserved`` the units promised to open orders. Orders reserve here at submission with
  one conditional UPDATE, so an order never waits on a choice of warehouse and two
  orders can never promise the same unit, however many warehouses hold it.
- ``warehouse_stock`` (one row per warehouse and SKU): ``on_hand`` there and
  ``allocated``, the units set aside for shipments being prepared from it. A shipment
  allocates from one warehouse (conditional UPDATE) and, when it leaves, takes its units
  off both levels.

``reserved <= on_hand`` unless the SKU allows backorders; the CHECK constraints back the
conditional UPDATEs, so no race can push a level negative. Every change of a warehouse's
``on_hand`` appends a :class:`StockMovement` with its reason.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow


class StockLevel(TenantScoped, Base):
    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand OR backorder_allowed", name="not_oversold"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    )

    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    # Emit ``stock_low`` when available stock drops to or below this many units.
    low_stock_threshold: Mapped[int | None] = mapped_column(default=None)
    # Orders may reserve more than is on hand; the excess is a backorder.
    backorder_allowed: Mapped[bool] = mapped_column(default=False)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class WarehouseKind(enum.StrEnum):
    SUPPLIER = "supplier"  # the supplier ships from its own stock
    TENANT = "tenant"  # the client's own warehouse
    LOCATION = "location"  # a location that holds goods, e.g. a store's back room


class Warehouse(TenantScoped, Base):
    __tablename__ = "warehouses"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[WarehouseKind] = mapped_column(Enum(WarehouseKind, native_enum=False, length=16))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), index=True
    )
    address: Mapped[str] = mapped_column(String(500), default="")
    # Lower ships first when the fulfilment queue suggests a warehouse.
    priority: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True)


class WarehouseStock(TenantScoped, Base):
    __tablename__ = "warehouse_stock"
    __table_args__ = (
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        CheckConstraint("allocated <= on_hand", name="not_over_allocated"),
        Index("ix_warehouse_stock_sku_id", "sku_id"),
    )

    warehouse_id: Mapped[int] = mapped_column(
        ForeignKey("warehouses.id", ondelete="CASCADE"), primary_key=True
    )
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)


class MovementReason(enum.StrEnum):
    INITIAL = "initial"  # stock carried over when warehouses were introduced
    RECEIPT = "receipt"  # goods arrived
    ADJUSTMENT = "adjustment"  # a correction
    COUNT = "count"  # a stock count set the level
    DAMAGED = "damaged"  # written off
    SHIPMENT = "shipment"  # left in a shipment
    RETURN = "return"  # came back from a buyer


class StockMovement(TenantScoped, Base):
    """One change of a warehouse's on-hand stock; never updated or deleted."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        Index("ix_stock_movements_tenant_sku_at", "tenant_id", "sku_id", "at"),
        Index("ix_stock_movements_warehouse_id", "warehouse_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"))
    delta: Mapped[int]
    on_hand_after: Mapped[int]
    reason: Mapped[MovementReason] = mapped_column(
        Enum(MovementReason, native_enum=False, length=16)
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
