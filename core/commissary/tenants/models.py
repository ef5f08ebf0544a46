"""Tenants (one private portal per client organisation) and per-tenant plugin activation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, utcnow


class AccessMode(enum.StrEnum):
    PRIVATE = "private"  # login for everything
    PUBLIC_CATALOG = "public_catalog"  # catalog public, prices hidden (issue 3)
    PUBLIC_PRICES = "public_prices"  # catalog and prices public, login to order (issue 3)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(253), unique=True)
    access_mode: Mapped[AccessMode] = mapped_column(
        Enum(AccessMode, native_enum=False, length=20), default=AccessMode.PRIVATE
    )
    # Built-in approval rule: orders above this many points need a manager's approval.
    # 0 means every order, NULL means none.
    approval_threshold_points: Mapped[int | None] = mapped_column(default=None)
    # An order must total at least this many points (None: no minimum).
    min_order_points: Mapped[int | None] = mapped_column(default=None)
    # Bumped whenever plugin activation or settings change, so every app process rebuilds
    # its cached per-tenant hook callers on the next request.
    config_version: Mapped[int] = mapped_column(default=1)
    # The language of messages to people who chose none (notifications.catalog.LANGUAGES).
    default_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PluginActivation(Base):
    """Installed is not enabled: one row per tenant and plugin says on/off and settings."""

    __tablename__ = "plugin_activations"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
