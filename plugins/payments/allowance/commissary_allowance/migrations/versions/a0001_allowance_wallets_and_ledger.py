"""allowance wallets and ledger

Revision ID: a0001
Revises:
Create Date: 2026-11-28 19:58:06.950879
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("allowance",)
depends_on: str | Sequence[str] | None = "c0001"


def upgrade() -> None:
    op.create_table(
        "allowance_wallets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("spent", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "available >= 0", name=op.f("ck_allowance_wallets_available_not_negative")
        ),
        sa.CheckConstraint("held >= 0", name=op.f("ck_allowance_wallets_held_not_negative")),
        sa.CheckConstraint("spent >= 0", name=op.f("ck_allowance_wallets_spent_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_allowance_wallets_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_allowance_wallets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_wallets")),
        sa.UniqueConstraint(
            "tenant_id", "user_id", name=op.f("uq_allowance_wallets_tenant_id_user_id")
        ),
        info={"plugin": "allowance"},
    )
    with op.batch_alter_table("allowance_wallets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allowance_wallets_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "allowance_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "GRANT",
                "HOLD",
                "CAPTURE",
                "RELEASE",
                "SPEND",
                name="entrykind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("available_delta", sa.Integer(), nullable=False),
        sa.Column("held_delta", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=250), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_allowance_ledger_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_allowance_ledger_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["allowance_wallets.id"],
            name=op.f("fk_allowance_ledger_wallet_id_allowance_wallets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_ledger")),
        sa.UniqueConstraint(
            "tenant_id",
            "idempotency_key",
            name=op.f("uq_allowance_ledger_tenant_id_idempotency_key"),
        ),
        info={"plugin": "allowance"},
    )
    with op.batch_alter_table("allowance_ledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allowance_ledger_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_allowance_ledger_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index("ix_allowance_ledger_wallet", ["wallet_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("allowance_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_allowance_ledger_wallet")
        batch_op.drop_index(batch_op.f("ix_allowance_ledger_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_allowance_ledger_order_id"))

    op.drop_table("allowance_ledger")
    with op.batch_alter_table("allowance_wallets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allowance_wallets_tenant_id"))

    op.drop_table("allowance_wallets")
