"""Webhook endpoints of a tenant and the log of every delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commissary import Base, TenantScoped, utcnow

PLUGIN = {"plugin": "webhooks"}


class Endpoint(TenantScoped, Base):
    """Where to POST events. ``topics`` filters them (empty: every topic). The secret
    signs each body; it is needed in clear to sign, so it is stored *encrypted*
    (:mod:`commissary_webhooks.sealing`), and shown once, on creation and rotation."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = ({"info": PLUGIN},)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret_sealed: Mapped[str] = mapped_column(Text)
    secret_rotated_at: Mapped[datetime | None]
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(TenantScoped, Base):
    """One POST of one event to one endpoint: its outcome, kept for the admins.
    ``outbox_event_id`` is 0 for a test event sent from the endpoint's page."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "outbox_event_id"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    outbox_event_id: Mapped[int]
    topic: Mapped[str] = mapped_column(String(80))
    ok: Mapped[bool]
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(Text, default="")
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds: Mapped[float]
