"""Users, roles, locations, login sessions and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow


class Role(enum.StrEnum):
    TENANT_ADMIN = "tenant_admin"
    MANAGER = "manager"
    APPROVER = "approver"
    BUYER = "buyer"
    WAREHOUSE = "warehouse"  # ships orders and keeps stock (people or an ERP's token)


class Location(TenantScoped, Base):
    """Where goods are shipped. A location's manager approves its people's orders.

    Locations form a tree (region -> district -> store) through ``parent_id``; the
    manager of a location manages everything under it (:mod:`commissary.locations.tree`).
    """

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )


class User(TenantScoped, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # May type a ship-to address of their own at checkout instead of picking a location.
    may_enter_address: Mapped[bool] = mapped_column(default=False)
    # The language messages are written in (one of notifications.catalog.LANGUAGES);
    # None follows the tenant's default language.
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles


class UserLocation(TenantScoped, Base):
    """A further location a user may order for; ``User.location_id`` stays the default."""

    __tablename__ = "user_locations"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class UserInvite(TenantScoped, Base):
    """A single-use link that lets an invited person choose their password.

    Only the SHA-256 of the link's secret is stored. ``used_at`` is set by the one
    conditional UPDATE that accepts the link, so it works once even when submitted twice
    at the same moment; a newer invite of the same person revokes the older ones."""

    __tablename__ = "user_invites"
    __table_args__ = (Index("ix_user_invites_token_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class OperatorAdmin(Base):
    """An account of the deployment's operator: sees every tenant, belongs to none."""

    __tablename__ = "operator_admins"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TokenKind(enum.StrEnum):
    SESSION = "session"  # browser cookie
    API = "api"  # bearer token


class AuthToken(Base):
    """A login: only the SHA-256 of the secret is stored, so a leaked table logs no one in.

    ``tenant_id`` is NULL for operator sessions. Not TenantScoped on purpose: auth runs
    before the tenant session exists and checks the tenant itself.
    """

    __tablename__ = "auth_tokens"
    __table_args__ = (Index("ix_auth_tokens_token_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[TokenKind] = mapped_column(Enum(TokenKind, native_enum=False, length=10))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operator_admins.id", ondelete="CASCADE")
    )
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """Failed logins, counted per account and per client address to slow down guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_account", "scope", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(80))  # tenant slug or "operator"
    email: Mapped[str] = mapped_column(String(254))
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
