"""The transactional outbox: events written with the change that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")


class OutboxAttempt(Base):
    """One delivery attempt of one event to one handler (a plugin's ``on_*`` hook).

    An ``ok`` row is written in the handler's own transaction, so a handler's writes and
    the record that it ran commit together: a retried event skips the handlers that
    already succeeded. The table lives in the ``notifications`` Alembic branch.
    """

    __tablename__ = "outbox_attempts"
    __table_args__ = (
        Index("ix_outbox_attempts_event_handler", "event_id", "handler"),
        {"info": {"plugin": "notifications"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    handler: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(80))
    ok: Mapped[bool]
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime]
    seconds: Mapped[float]


class IdempotencyRecord(Base):
    """A retried request with the same key returns the stored reply instead of acting twice."""

    __tablename__ = "idempotency_records"
    __table_args__ = (Index("uq_idempotency", "tenant_id", "user_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
