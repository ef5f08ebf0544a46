"""The Stripe Customer of each user, under whom their saved cards are attached."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary import Base, TenantScoped


class StripeCustomer(TenantScoped, Base):
    __tablename__ = "stripe_customers"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(String(100))
