"""Shipments: what left which warehouse for which order lines, and where it is now.

A shipment is ``preparing`` while a warehouse picks it (its units are allocated in that
warehouse), ``shipped`` once it left (the units come off stock and count as shipped on
their order lines), then ``delivered``. An order may have any number of shipments from
any number of warehouses; a line may be split over several.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commissary.db import Base, TenantScoped, utcnow


class ShipmentStatus(enum.StrEnum):
    PREPARING = "preparing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class Shipment(TenantScoped, Base):
    __tablename__ = "shipments"
    __table_args__ = (Index("ix_shipments_tenant_status", "tenant_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    status: Mapped[ShipmentStatus] = mapped_column(
        Enum(ShipmentStatus, native_enum=False, length=16)
    )
    carrier: Mapped[str] = mapped_column(String(100), default="")
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    lines: Mapped[list[ShipmentLine]] = relationship(order_by="ShipmentLine.id", lazy="raise")

    @property
    def number(self) -> str:
        return f"SH-{self.id:06d}"


class ShipmentLine(TenantScoped, Base):
    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    quantity: Mapped[int]
