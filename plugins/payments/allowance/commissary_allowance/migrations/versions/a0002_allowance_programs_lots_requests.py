"""allowance: programs, restricted wallets, lots, expiry reminders, requests for points

Revision ID: a0002
Revises: a0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0002"
down_revision: str | Sequence[str] | None = "a0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLUGIN = {"plugin": "allowance"}


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("allowance_wallets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("program_id", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_constraint("uq_allowance_wallets_tenant_id_user_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_allowance_wallets_tenant_id_user_id_program_id"),
            ["tenant_id", "user_id", "program_id"],
        )
    with op.batch_alter_table("allowance_ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_id", sa.Integer(), nullable=True))

    op.create_table(
        "allowance_programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("customer_type_id", sa.Integer(), nullable=True),
        sa.Column("points_per_period", sa.Integer(), nullable=False),
        sa.Column(
            "period",
            sa.Enum("MONTH", "QUARTER", name="period", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("rollover_cap", sa.Integer(), nullable=True),
        sa.Column("prorate", sa.Boolean(), nullable=False),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "points_per_period > 0", name=op.f("ck_allowance_programs_points_positive")
        ),
        sa.CheckConstraint(
            "expiry_days IS NULL OR expiry_days > 0",
            name=op.f("ck_allowance_programs_expiry_positive"),
        ),
        sa.CheckConstraint(
            "rollover_cap IS NULL OR rollover_cap >= 0",
            name=op.f("ck_allowance_programs_cap_not_negative"),
        ),
        _tenant_fk("allowance_programs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_programs")),
        info=PLUGIN,
    )
    op.create_index(op.f("ix_allowance_programs_tenant_id"), "allowance_programs", ["tenant_id"])
    op.create_index(
        op.f("ix_allowance_programs_customer_type_id"), "allowance_programs", ["customer_type_id"]
    )

    op.create_table(
        "allowance_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["allowance_wallets.id"],
            name=op.f("fk_allowance_lots_wallet_id_allowance_wallets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["allowance_ledger.id"],
            name=op.f("fk_allowance_lots_entry_id_allowance_ledger"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["allowance_programs.id"],
            name=op.f("fk_allowance_lots_program_id_allowance_programs"),
            ondelete="SET NULL",
        ),
        _tenant_fk("allowance_lots"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_lots")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_allowance_lots_entry_id")),
        info=PLUGIN,
    )
    op.create_index(op.f("ix_allowance_lots_tenant_id"), "allowance_lots", ["tenant_id"])
    op.create_index(op.f("ix_allowance_lots_wallet_id"), "allowance_lots", ["wallet_id"])
    op.create_index("ix_allowance_lots_due", "allowance_lots", ["closed_at", "expires_at"])

    op.create_table(
        "allowance_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["allowance_lots.id"],
            name=op.f("fk_allowance_reminders_lot_id_allowance_lots"),
            ondelete="CASCADE",
        ),
        _tenant_fk("allowance_reminders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_reminders")),
        sa.UniqueConstraint(
            "tenant_id", "lot_id", "days", name=op.f("uq_allowance_reminders_tenant_id_lot_id_days")
        ),
        info=PLUGIN,
    )
    op.create_index(op.f("ix_allowance_reminders_tenant_id"), "allowance_reminders", ["tenant_id"])

    op.create_table(
        "allowance_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "DECLINED",
                name="requeststatus",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_allowance_requests_points_positive")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_allowance_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_allowance_requests_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        _tenant_fk("allowance_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_requests")),
        info=PLUGIN,
    )
    op.create_index(op.f("ix_allowance_requests_tenant_id"), "allowance_requests", ["tenant_id"])
    op.create_index(op.f("ix_allowance_requests_user_id"), "allowance_requests", ["user_id"])
    op.create_index("ix_allowance_requests_status", "allowance_requests", ["tenant_id", "status"])


def downgrade() -> None:
    op.drop_table("allowance_requests")
    op.drop_table("allowance_reminders")
    op.drop_table("allowance_lots")
    op.drop_table("allowance_programs")
    with op.batch_alter_table("allowance_ledger", schema=None) as batch_op:
        batch_op.drop_column("lot_id")
    op.execute("DELETE FROM allowance_wallets WHERE program_id <> 0")
    with op.batch_alter_table("allowance_wallets", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_allowance_wallets_tenant_id_user_id_program_id", type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_allowance_wallets_tenant_id_user_id"), ["tenant_id", "user_id"]
        )
        batch_op.drop_column("program_id")
