"""saved lists

Revision ID: c0004
Revises: c0003
Create Date: 2026-11-28 23:03:13.890753
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0004"
down_revision: str | Sequence[str] | None = "c0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_saved_lists_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_lists_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_saved_lists_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_lists")),
    )
    with op.batch_alter_table("saved_lists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saved_lists_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_saved_lists_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_saved_lists_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "saved_list_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_saved_list_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["saved_lists.id"],
            name=op.f("fk_saved_list_lines_list_id_saved_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["skus.id"],
            name=op.f("fk_saved_list_lines_sku_id_skus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_saved_list_lines_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_list_lines")),
        sa.UniqueConstraint("list_id", "sku_id", name=op.f("uq_saved_list_lines_list_id_sku_id")),
    )
    with op.batch_alter_table("saved_list_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saved_list_lines_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("saved_list_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_list_lines_tenant_id"))

    op.drop_table("saved_list_lines")
    with op.batch_alter_table("saved_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_lists_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_saved_lists_owner_id"))
        batch_op.drop_index(batch_op.f("ix_saved_lists_location_id"))

    op.drop_table("saved_lists")
