"""Reorder settings for the velocity report, and the indexes the reports read through.

The indexes belong to core tables (orders, order lines) but exist for the reports, so
they are declared here and created by the ``reports`` migration branch.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped
from commissary.orders.models import Order, OrderLine

DEFAULT_LEAD_TIME_DAYS = 14
DEFAULT_SAFETY_DAYS = 7
DEFAULT_COVER_DAYS = 30


class ReorderSetting(TenantScoped, Base):
    """Lead time, safety stock and order cover, in days of demand.

    The row without a SKU is the tenant's default; a row with a SKU overrides it for that
    SKU. Without any row the module defaults apply (14, 7 and 30 days).
    """

    __tablename__ = "reorder_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "sku_id"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
        CheckConstraint("safety_days >= 0", name="safety_not_negative"),
        CheckConstraint("cover_days >= 1", name="cover_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_id: Mapped[int | None] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"))
    lead_time_days: Mapped[int] = mapped_column(default=DEFAULT_LEAD_TIME_DAYS)
    safety_days: Mapped[int] = mapped_column(default=DEFAULT_SAFETY_DAYS)
    cover_days: Mapped[int] = mapped_column(default=DEFAULT_COVER_DAYS)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_orders, _lines = _table(Order), _table(OrderLine)
# Period filters and buckets scan orders by submission time within a tenant.
ORDERS_BY_TIME = Index("ix_orders_tenant_submitted_at", _orders.c.tenant_id, _orders.c.submitted_at)
# Velocity and item breakdowns group lines by SKU; the line states narrow them further.
LINES_BY_SKU = Index(
    "ix_order_lines_tenant_sku_status", _lines.c.tenant_id, _lines.c.sku_id, _lines.c.status
)
