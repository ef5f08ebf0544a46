"""stripe customers

Revision ID: s0001
Revises:
Create Date: 2026-11-28 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("stripe",)
depends_on: str | Sequence[str] | None = "c0001"


def upgrade() -> None:
    op.create_table(
        "stripe_customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_stripe_customers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_stripe_customers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_customers")),
        sa.UniqueConstraint(
            "tenant_id", "user_id", name=op.f("uq_stripe_customers_tenant_id_user_id")
        ),
    )
    with op.batch_alter_table("stripe_customers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stripe_customers_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("stripe_customers")
