"""reports: reorder settings and the indexes reports read through

Revision ID: g0001
Revises:
Create Date: 2026-11-29 01:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "g0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("reports",)
depends_on: str | Sequence[str] | None = "c0005"


def upgrade() -> None:
    op.create_table(
        "reorder_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("safety_days", sa.Integer(), nullable=False),
        sa.Column("cover_days", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "lead_time_days >= 0", name=op.f("ck_reorder_settings_lead_time_not_negative")
        ),
        sa.CheckConstraint(
            "safety_days >= 0", name=op.f("ck_reorder_settings_safety_not_negative")
        ),
        sa.CheckConstraint("cover_days >= 1", name=op.f("ck_reorder_settings_cover_positive")),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["skus.id"],
            name=op.f("fk_reorder_settings_sku_id_skus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reorder_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reorder_settings")),
        sa.UniqueConstraint(
            "tenant_id", "sku_id", name=op.f("uq_reorder_settings_tenant_id_sku_id")
        ),
    )
    op.create_index(
        op.f("ix_reorder_settings_tenant_id"), "reorder_settings", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_orders_tenant_submitted_at", "orders", ["tenant_id", "submitted_at"], unique=False
    )
    op.create_index(
        "ix_order_lines_tenant_sku_status",
        "order_lines",
        ["tenant_id", "sku_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_order_lines_tenant_sku_status", table_name="order_lines")
    op.drop_index("ix_orders_tenant_submitted_at", table_name="orders")
    op.drop_index(op.f("ix_reorder_settings_tenant_id"), table_name="reorder_settings")
    op.drop_table("reorder_settings")
