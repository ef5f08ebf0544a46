"""a program for a customer type names it by foreign key (deleting the type ends it)

Revision ID: a0003
Revises: a0002
Create Date: 2026-11-29 01:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a0003"
down_revision: str | Sequence[str] | None = "a0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "c0002"


def upgrade() -> None:
    # Programs of customer types that no longer exist could never grant anything.
    op.execute(
        "DELETE FROM allowance_programs WHERE customer_type_id IS NOT NULL "
        "AND customer_type_id NOT IN (SELECT id FROM customer_types)"
    )
    with op.batch_alter_table("allowance_programs", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_allowance_programs_customer_type_id_customer_types"),
            "customer_types",
            ["customer_type_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("allowance_programs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_allowance_programs_customer_type_id_customer_types"),
            type_="foreignkey",
        )
