"""Stock per SKU. Reservations are held at order submission and released on rejection.

``available = on_hand - reserved`` is never negative: the CHECK constraint backs the
conditional UPDATE in :mod:`commissary.inventory.service`.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped


class StockLevel(TenantScoped, Base):
    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="not_oversold"),
    )

    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved
