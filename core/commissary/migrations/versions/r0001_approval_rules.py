"""approval rules, order approval steps, delegations, approval settings

Revision ID: r0001
Revises:
Create Date: 2026-11-29 01:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("approval_rules",)
depends_on: str | Sequence[str] | None = "c0005"

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "approval_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column(
            "action",
            sa.Enum("REQUIRE", "AUTO_APPROVE", name="ruleaction", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("escalate_after_days", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "escalate_after_days > 0", name=op.f("ck_approval_rules_escalation_positive")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_approval_rules_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_rules")),
    )
    op.create_index(op.f("ix_approval_rules_tenant_id"), "approval_rules", ["tenant_id"])

    op.create_table(
        "order_approval_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "approver_kind",
            sa.Enum(
                "LOCATION_MANAGER",
                "ROLE",
                "USER",
                name="approverkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("approver_user_id", sa.Integer(), nullable=True),
        sa.Column("approver_role", sa.String(length=40), nullable=True),
        sa.Column("approver_location_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "WAITING",
                "OPEN",
                "APPROVED",
                "REJECTED",
                "CANCELLED",
                name="stepstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("opened_at", UTC, nullable=True),
        sa.Column("escalate_after_days", sa.Integer(), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_order_approval_steps_level_positive")),
        sa.ForeignKeyConstraint(
            ["approver_location_id"],
            ["locations.id"],
            name=op.f("fk_order_approval_steps_approver_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["approver_user_id"],
            ["users.id"],
            name=op.f("fk_order_approval_steps_approver_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_order_approval_steps_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["order_lines.id"],
            name=op.f("fk_order_approval_steps_line_id_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"],
            ["users.id"],
            name=op.f("fk_order_approval_steps_on_behalf_of_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_approval_steps_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_order_approval_steps_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_approval_steps")),
    )
    op.create_index(
        "ix_order_approval_steps_inbox_user",
        "order_approval_steps",
        ["tenant_id", "status", "approver_user_id"],
    )
    op.create_index(
        "ix_order_approval_steps_inbox_role",
        "order_approval_steps",
        ["tenant_id", "status", "approver_role"],
    )
    op.create_index(
        "ix_order_approval_steps_order_status", "order_approval_steps", ["order_id", "status"]
    )
    op.create_index(op.f("ix_order_approval_steps_line_id"), "order_approval_steps", ["line_id"])
    op.create_index(
        op.f("ix_order_approval_steps_tenant_id"), "order_approval_steps", ["tenant_id"]
    )

    op.create_table(
        "approval_delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_approval_delegations_range_ordered")
        ),
        sa.CheckConstraint("delegate_id <> user_id", name=op.f("ck_approval_delegations_not_self")),
        sa.ForeignKeyConstraint(
            ["delegate_id"],
            ["users.id"],
            name=op.f("fk_approval_delegations_delegate_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_approval_delegations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_approval_delegations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_delegations")),
    )
    op.create_index(
        "ix_approval_delegations_delegate",
        "approval_delegations",
        ["tenant_id", "delegate_id", "ends_on"],
    )
    op.create_index(
        op.f("ix_approval_delegations_tenant_id"), "approval_delegations", ["tenant_id"]
    )
    op.create_index(op.f("ix_approval_delegations_user_id"), "approval_delegations", ["user_id"])

    op.create_table(
        "approval_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalate_after_days", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "escalate_after_days > 0", name=op.f("ck_approval_settings_escalation_positive")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_approval_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_settings")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_approval_settings_tenant_id")),
    )
    op.create_index(op.f("ix_approval_settings_tenant_id"), "approval_settings", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("approval_settings")
    op.drop_table("approval_delegations")
    op.drop_table("order_approval_steps")
    op.drop_table("approval_rules")
