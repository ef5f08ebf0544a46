"""kits: orderable bundles of SKUs, kits in carts, and kit lines in orders

Revision ID: c0007
Revises: c0006
Create Date: 2026-11-29 01:29:16.123462
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0007"
down_revision: str | Sequence[str] | None = "c0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "pricing",
            sa.Enum("KIT", "SUM", name="kitpricing", native_enum=False, length=8),
            nullable=False,
        ),
        sa.Column("price_points", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("price_points >= 0", name=op.f("ck_kits_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_kits_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kits")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_kits_tenant_id_code")),
    )
    with op.batch_alter_table("kits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kits_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "cart_kits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_cart_kits_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["kit_id"], ["kits.id"], name=op.f("fk_cart_kits_kit_id_kits"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_cart_kits_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_cart_kits_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_kits")),
    )
    with op.batch_alter_table("cart_kits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cart_kits_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cart_kits_user_id"), ["user_id"], unique=False)

    op.create_table(
        "kit_components",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(sku_id IS NULL) <> (product_id IS NULL)",
            name=op.f("ck_kit_components_sku_or_product"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_kit_components_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["kit_id"], ["kits.id"], name=op.f("fk_kit_components_kit_id_kits"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_kit_components_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_kit_components_sku_id_skus"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_kit_components_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_components")),
    )
    with op.batch_alter_table("kit_components", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kit_components_kit_id"), ["kit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kit_components_tenant_id"), ["tenant_id"], unique=False
        )

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kit_group", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_order_lines_kit_id_kits"), "kits", ["kit_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_order_lines_kit_id_kits"), type_="foreignkey")
        batch_op.drop_column("kit_group")
        batch_op.drop_column("kit_id")

    with op.batch_alter_table("kit_components", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kit_components_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_kit_components_kit_id"))

    op.drop_table("kit_components")
    with op.batch_alter_table("cart_kits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cart_kits_user_id"))
        batch_op.drop_index(batch_op.f("ix_cart_kits_tenant_id"))

    op.drop_table("cart_kits")
    with op.batch_alter_table("kits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kits_tenant_id"))

    op.drop_table("kits")
