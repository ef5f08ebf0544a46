"""Approval rules, each order's approval steps, delegations and the tenant's approval settings.

An order's approval is a set of *steps*: one row per order line and requirement, at the
requirement's level. A line waits at its lowest level that is not approved yet (its steps
there are ``open``); when every open step of that level is approved, the next level
opens; after the last level the line is approved in the order lifecycle. One row per line
and requirement is what lets a buyer's order be approved line by line, level by level,
without a second copy of the line's state.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commissary.db import Base, TenantScoped, utcnow


class RuleAction(enum.StrEnum):
    REQUIRE = "require"  # the order needs the rule's approvers, level by level
    AUTO_APPROVE = "auto_approve"  # the order skips configured rules (see docs/approvals.md)


class StepStatus(enum.StrEnum):
    WAITING = "waiting"  # a lower level of the line is not approved yet
    OPEN = "open"  # the line's current level: the approver sees it in the inbox
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # the line was rejected or cancelled at another step


class ApproverKind(enum.StrEnum):
    LOCATION_MANAGER = "location_manager"  # resolved to a person when the step is created
    ROLE = "role"
    USER = "user"


class ApprovalRule(TenantScoped, Base):
    """A tenant's configured rule: a rule type, its settings, and who approves at each level."""

    __tablename__ = "approval_rules"
    __table_args__ = (CheckConstraint("escalate_after_days > 0", name="escalation_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(60))
    action: Mapped[RuleAction] = mapped_column(Enum(RuleAction, native_enum=False, length=16))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"kind": "location_manager"}, {"kind": "user", "user_id": 7}, {"kind": "role", ...}]
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    escalate_after_days: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalStep(TenantScoped, Base):
    """One approval one order line needs at one level, from one approver."""

    __tablename__ = "order_approval_steps"
    __table_args__ = (
        Index("ix_order_approval_steps_inbox_user", "tenant_id", "status", "approver_user_id"),
        Index("ix_order_approval_steps_inbox_role", "tenant_id", "status", "approver_role"),
        Index("ix_order_approval_steps_order_status", "order_id", "status"),
        CheckConstraint("level >= 1", name="level_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int]
    rule: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(500), default="")
    approver_kind: Mapped[ApproverKind] = mapped_column(
        Enum(ApproverKind, native_enum=False, length=20)
    )
    approver_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approver_role: Mapped[str | None] = mapped_column(String(40))
    # For location_manager steps: the location whose manager was chosen (escalation climbs).
    approver_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[StepStatus] = mapped_column(Enum(StepStatus, native_enum=False, length=12))
    opened_at: Mapped[datetime | None]
    escalate_after_days: Mapped[int | None]
    escalations: Mapped[int] = mapped_column(default=0)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]


class ApprovalDelegation(TenantScoped, Base):
    """While ``user_id`` is away (``starts_on`` to ``ends_on``, inclusive), ``delegate_id``
    sees and decides what waits for them."""

    __tablename__ = "approval_delegations"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="range_ordered"),
        CheckConstraint("delegate_id <> user_id", name="not_self"),
        Index("ix_approval_delegations_delegate", "tenant_id", "delegate_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalSettings(TenantScoped, Base):
    """Tenant-wide approval settings (one row per tenant, absent: defaults)."""

    __tablename__ = "approval_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("escalate_after_days > 0", name="escalation_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalate_after_days: Mapped[int | None]
