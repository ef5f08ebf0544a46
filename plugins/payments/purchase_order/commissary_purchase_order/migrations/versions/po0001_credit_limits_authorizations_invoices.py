"""purchase orders: credit limits, authorizations, invoices

Revision ID: po0001
Revises:
Create Date: 2026-11-28 23:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "po0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("purchase_order",)
depends_on: str | Sequence[str] | None = "c0001"

AMOUNT = sa.Numeric(precision=18, scale=4)


def _tenant(table: str) -> list[Any]:
    return [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f(f"fk_{table}_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "po_credit_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("used", AMOUNT, nullable=False),
        *_tenant("po_credit_limits"),
        sa.CheckConstraint(
            "used >= 0 AND used <= amount", name=op.f("ck_po_credit_limits_used_within_limit")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_po_credit_limits_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id", "location_id", name=op.f("uq_po_credit_limits_tenant_id_location_id")
        ),
    )
    op.create_table(
        "po_authorizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("po_number", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("terms", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("po_authorizations"),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_po_authorizations_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_po_authorizations_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "idempotency_key",
            name=op.f("uq_po_authorizations_tenant_id_idempotency_key"),
        ),
    )
    op.create_table(
        "po_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authorization_id", sa.Integer(), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        *_tenant("po_invoices"),
        sa.ForeignKeyConstraint(
            ["authorization_id"],
            ["po_authorizations.id"],
            name=op.f("fk_po_invoices_authorization_id_po_authorizations"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name=op.f("uq_po_invoices_tenant_id_idempotency_key")
        ),
    )
    for table, columns in (
        ("po_credit_limits", ["tenant_id"]),
        ("po_authorizations", ["order_id"]),
        ("po_authorizations", ["tenant_id"]),
        ("po_invoices", ["authorization_id"]),
        ("po_invoices", ["tenant_id"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{columns[0]}"), columns, unique=False)


def downgrade() -> None:
    op.drop_table("po_invoices")
    op.drop_table("po_authorizations")
    op.drop_table("po_credit_limits")
