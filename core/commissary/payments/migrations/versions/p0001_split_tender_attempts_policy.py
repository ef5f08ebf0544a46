"""payments: tender tape columns, payment attempts, tenant payment policy

Revision ID: p0001
Revises:
Create Date: 2026-11-28 22:40:00

Its own branch (``payments``, registered by ``commissary.payments.plugin``) so that it
never forks the core branch's history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "p0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("payments",)
depends_on: str | Sequence[str] | None = "c0001"

AMOUNT = sa.Numeric(precision=18, scale=4)
RATE = sa.Numeric(precision=18, scale=6)


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("rate", RATE, server_default="1", nullable=False))
        batch_op.add_column(sa.Column("points", sa.Integer(), server_default="0", nullable=False))
        for name in ("points_captured", "points_released", "points_refunded"):
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("refunded", AMOUNT, server_default="0", nullable=False))
        batch_op.create_check_constraint(
            op.f("ck_payments_points_within_share"), "points_captured + points_released <= points"
        )
        batch_op.create_check_constraint(
            op.f("ck_payments_refund_within_captured"), "points_refunded <= points_captured"
        )
        batch_op.create_check_constraint(
            op.f("ck_payments_refunded_within_captured"), "refunded <= captured"
        )
    # Rows written before this branch: points tenders whose share is their amount.
    op.execute(
        "UPDATE payments SET points = CAST(authorized AS INTEGER), "
        "points_captured = CAST(captured AS INTEGER), "
        "points_released = CAST(released AS INTEGER)"
    )

    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("OK", "DECLINED", name="attemptoutcome", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("decline_code", sa.String(length=60), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_attempts_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_attempts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint(
            "tenant_id",
            "idempotency_key",
            name=op.f("uq_payment_attempts_tenant_id_idempotency_key"),
        ),
    )
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_attempts_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_attempts_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "payment_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remainder_methods", sa.JSON(), nullable=False),
        sa.Column("employee_card", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("point_value", RATE, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "point_value > 0", name=op.f("ck_payment_policies_point_value_positive")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_policies_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_policies")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_payment_policies_tenant_id")),
    )
    with op.batch_alter_table("payment_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_policies_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("payment_policies")
    op.drop_table("payment_attempts")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_refunded_within_captured"), type_="check")
        batch_op.drop_constraint(op.f("ck_payments_refund_within_captured"), type_="check")
        batch_op.drop_constraint(op.f("ck_payments_points_within_share"), type_="check")
        for name in (
            "refunded",
            "points_refunded",
            "points_released",
            "points_captured",
            "points",
            "rate",
            "position",
        ):
            batch_op.drop_column(name)
