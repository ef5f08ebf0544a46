"""entitlements, their guard rows, and location budgets

Revision ID: e0001
Revises:
Create Date: 2026-11-29 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("entitlements",)
depends_on: str | Sequence[str] | None = "c0005"


def upgrade() -> None:
    op.create_table(
        "entitlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "target_kind",
            sa.Enum("SKU", "PRODUCT", "CATEGORY", name="targetkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("customer_type_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "period",
            sa.Enum(
                "ROLLING",
                "YEAR",
                "QUARTER",
                "MONTH",
                name="periodkind",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column(
            "enforcement",
            sa.Enum("HARD", "APPROVAL", name="enforcement", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(period = 'ROLLING' AND months BETWEEN 1 AND 60)"
            " OR (period <> 'ROLLING' AND months IS NULL)",
            name=op.f("ck_entitlements_period_months"),
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_entitlements_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["customer_type_id"],
            ["customer_types.id"],
            name=op.f("fk_entitlements_customer_type_id_customer_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_entitlements_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlements")),
    )
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entitlements_customer_type_id"), ["customer_type_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_entitlements_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "entitlement_guards",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_entitlement_guards_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_entitlement_guards_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_entitlement_guards")),
    )
    with op.batch_alter_table("entitlement_guards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entitlement_guards_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "location_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column(
            "period",
            sa.Enum("MONTH", "QUARTER", name="budgetperiod", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("amount_points", sa.Integer(), nullable=False),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_points > 0", name=op.f("ck_location_budgets_amount_positive")),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_location_budgets_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_location_budgets_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location_budgets")),
        sa.UniqueConstraint("location_id", name=op.f("uq_location_budgets_location_id")),
    )
    with op.batch_alter_table("location_budgets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_location_budgets_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("location_budgets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_budgets_tenant_id"))
    op.drop_table("location_budgets")
    with op.batch_alter_table("entitlement_guards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entitlement_guards_tenant_id"))
    op.drop_table("entitlement_guards")
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entitlements_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_entitlements_customer_type_id"))
    op.drop_table("entitlements")
