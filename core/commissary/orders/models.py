"""Carts, orders, order lines and each order's history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commissary.db import Base, TenantScoped, utcnow


class OrderStatus(enum.StrEnum):
    """Derived from the lines by :func:`commissary.orders.lifecycle.order_status`."""

    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    IN_FULFILMENT = "in_fulfilment"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class LineStatus(enum.StrEnum):
    """Allowed moves: :data:`commissary.orders.lifecycle.LINE_MOVES`."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    IN_FULFILMENT = "in_fulfilment"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class CartLine(TenantScoped, Base):
    """A user's cart is the set of their cart lines: no separate cart row to keep in sync."""

    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("user_id", "sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(TenantScoped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_tenant_status", "tenant_id", "status"),
        Index("ix_orders_tenant_user", "tenant_id", "user_id"),
        CheckConstraint("total_points >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A manager who placed the order on the buyer's behalf (None: the buyer did).
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 1 until the first amendment; every amendment adds an OrderVersion.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(Enum(OrderStatus, native_enum=False, length=24))
    total_points: Mapped[int]
    # The approval requirements found at submission: which rule asked whom, and why.
    approval: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    ship_to: Mapped[str] = mapped_column(String(800), default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", lazy="raise"
    )

    @property
    def number(self) -> str:
        return f"SO-{self.id:06d}"


class OrderLine(TenantScoped, Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("shipped_quantity <= quantity", name="not_overshipped"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    # Snapshots: what the buyer saw when ordering, kept if the catalog changes later.
    sku_code: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int]
    # Units on shipments that left (commissary.fulfilment); the line is shipped when all are.
    shipped_quantity: Mapped[int] = mapped_column(default=0)
    unit_points: Mapped[int]
    line_points: Mapped[int]
    price_source: Mapped[str] = mapped_column(String(100), default="")
    # Lines of one kit share its id and a group number (see commissary.kits.models).
    kit_id: Mapped[int | None] = mapped_column(ForeignKey("kits.id"))
    kit_group: Mapped[int | None]
    status: Mapped[LineStatus] = mapped_column(Enum(LineStatus, native_enum=False, length=16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    decided_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class OrderEvent(TenantScoped, Base):
    """The order's history: one row per thing that happened to it, never updated."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OrderVersion(TenantScoped, Base):
    """An order as it stood after a change: who changed what, and the lines then.

    Version 1 (as submitted) is written when the order is first amended, so placing an
    order costs nothing extra; each amendment then adds the next version.
    """

    __tablename__ = "order_versions"
    __table_args__ = (UniqueConstraint("order_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    number: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    # [{"line_id", "sku_code", "from", "to"}...] and location {"from", "to"}; empty for v1.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"line_id", "sku_code", "quantity", "line_points", "status"}...] after the change.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    total_points: Mapped[int]
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
