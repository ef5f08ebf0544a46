"""Tenant-edited templates, people's mutes and the once-only reminder keys.

Tables live in the ``notifications`` Alembic branch (tagged ``info={"plugin": ...}``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow

BRANCH = {"plugin": "notifications"}


class NotificationTemplate(TenantScoped, Base):
    """A tenant's own subject and body for one kind of notification in one language;
    without a row the shipped default is used."""

    __tablename__ = "notification_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "language"), {"info": BRANCH})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationPreference(TenantScoped, Base):
    """A person muted an optional kind of notification (no row: they get it)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "kind"), {"info": BRANCH})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    muted: Mapped[bool] = mapped_column(default=True)


class ReminderSent(TenantScoped, Base):
    """The once-only key of a reminder: one row per kind, person, subject (an order, a
    points lot, a budget period) and threshold. Inserted in the same transaction as the
    reminder's event; a second insert violates the unique constraint, so overlapping
    reminder runs send nothing twice."""

    __tablename__ = "notification_reminders"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "kind",
            "user_id",
            "subject_key",
            "threshold",
            name="uq_notification_reminders_once",
        ),
        {"info": BRANCH},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject_key: Mapped[str] = mapped_column(String(120))
    threshold: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestKind(TenantScoped, Base):
    """The tenant sends this kind as part of a periodic digest instead of at once."""

    __tablename__ = "notification_digest_kinds"
    __table_args__ = (UniqueConstraint("tenant_id", "kind"), {"info": BRANCH})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))


class DigestItem(TenantScoped, Base):
    """A rendered message waiting for the person's next digest. ``sent_at`` is set by the
    one conditional UPDATE that takes it into a digest, so no item goes out twice."""

    __tablename__ = "notification_digest_items"
    __table_args__ = (
        Index("ix_notification_digest_items_pending", "tenant_id", "sent_at", "user_id"),
        {"info": BRANCH},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class NotificationSettings(TenantScoped, Base):
    """A tenant's reminder thresholds and digest period (no row: the defaults in
    :mod:`commissary.notifications.settings`)."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("tenant_id"), {"info": BRANCH})

    id: Mapped[int] = mapped_column(primary_key=True)
    # Days before a points lot expires that its owner is reminded, e.g. [14, 3].
    points_expiring_days: Mapped[list[int]] = mapped_column(JSON)
    # Days an order waits for approval before its approvers are reminded, e.g. [2, 7].
    approval_waiting_days: Mapped[list[int]] = mapped_column(JSON)
    # Percent of a budget spent that alerts its managers, e.g. [80, 100].
    budget_percents: Mapped[list[int]] = mapped_column(JSON)
    digest_period: Mapped[str] = mapped_column(String(10))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
