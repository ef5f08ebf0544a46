"""purchase orders: invoices at shipment (shipped lines, one invoice per shipment)

Revision ID: po0002_invoice_at_shipment
Revises: po0001
Create Date: 2026-11-29 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "po0002_invoice_at_shipment"
down_revision: str | Sequence[str] | None = "po0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "f0001"

AMOUNT = sa.Numeric(precision=18, scale=4)


def upgrade() -> None:
    with op.batch_alter_table("po_authorizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("captured", AMOUNT, nullable=False, server_default="0"),
        )
        batch_op.add_column(
            sa.Column("refunded", AMOUNT, nullable=False, server_default="0"),
        )
        batch_op.add_column(
            sa.Column("shipped_points", sa.Integer(), nullable=False, server_default="0"),
        )
    # Authorizations invoiced at approval (before this revision) count as captured and
    # invoiced already: a shipment never invoices more than is captured and not yet
    # invoiced, so their orders are not invoiced twice when they ship.
    op.execute(
        "UPDATE po_authorizations SET captured = (SELECT COALESCE(SUM(amount), 0) FROM "
        "po_invoices WHERE po_invoices.authorization_id = po_authorizations.id AND "
        "po_invoices.amount > 0), refunded = (SELECT COALESCE(-SUM(amount), 0) FROM "
        "po_invoices WHERE po_invoices.authorization_id = po_authorizations.id AND "
        "po_invoices.amount < 0)"
    )
    with op.batch_alter_table("po_invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lines", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.create_foreign_key(
            batch_op.f("fk_po_invoices_shipment_id_shipments"),
            "shipments",
            ["shipment_id"],
            ["id"],
            ondelete="SET NULL",
        )
        # One invoice per shipment and PO tender: a retried delivery cannot invoice twice.
        batch_op.create_unique_constraint(
            batch_op.f("uq_po_invoices_authorization_id_shipment_id"),
            ["authorization_id", "shipment_id"],
        )
        batch_op.create_index(batch_op.f("ix_po_invoices_due_on"), ["due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("po_invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_po_invoices_due_on"))
        batch_op.drop_constraint(
            batch_op.f("uq_po_invoices_authorization_id_shipment_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_po_invoices_shipment_id_shipments"), type_="foreignkey"
        )
        batch_op.drop_column("lines")
        batch_op.drop_column("shipment_id")
    with op.batch_alter_table("po_authorizations", schema=None) as batch_op:
        batch_op.drop_column("shipped_points")
        batch_op.drop_column("refunded")
        batch_op.drop_column("captured")
