"""master catalog: suppliers, master products and SKUs, tenant selections, adoption links

The links live in their own tables rather than as columns on ``products``/``skus``: adding a
foreign key there would make SQLite rebuild the tables (and their full-text triggers).

Revision ID: m0001
Revises:
Create Date: 2026-11-29 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import commissary.db

revision: str = "m0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("master_catalog",)
depends_on: str | Sequence[str] | None = "c0007"


def upgrade() -> None:
    op.create_table(
        "master_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_master_categories_slug")),
    )
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", commissary.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
    )
    op.create_table(
        "master_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=150), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", commissary.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["master_categories.id"],
            name=op.f("fk_master_products_category_id_master_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_master_products_supplier_id_suppliers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_products")),
        sa.UniqueConstraint("slug", name=op.f("uq_master_products_slug")),
    )
    op.create_index(
        op.f("ix_master_products_category_id"), "master_products", ["category_id"], unique=False
    )
    op.create_index(
        op.f("ix_master_products_supplier_id"), "master_products", ["supplier_id"], unique=False
    )
    op.create_table(
        "master_selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("markup_percent", sa.Integer(), nullable=False),
        sa.Column("created_at", commissary.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(category_id IS NULL) <> (product_id IS NULL)",
            name=op.f("ck_master_selections_category_or_product"),
        ),
        sa.CheckConstraint(
            "markup_percent >= -90 AND markup_percent <= 1000",
            name=op.f("ck_master_selections_markup_range"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["master_categories.id"],
            name=op.f("fk_master_selections_category_id_master_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["master_products.id"],
            name=op.f("fk_master_selections_product_id_master_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_master_selections_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_selections")),
        sa.UniqueConstraint(
            "tenant_id", "category_id", name=op.f("uq_master_selections_tenant_id_category_id")
        ),
        sa.UniqueConstraint(
            "tenant_id", "product_id", name=op.f("uq_master_selections_tenant_id_product_id")
        ),
    )
    op.create_index(
        op.f("ix_master_selections_category_id"), "master_selections", ["category_id"], unique=False
    )
    op.create_index(
        op.f("ix_master_selections_product_id"), "master_selections", ["product_id"], unique=False
    )
    op.create_index(
        op.f("ix_master_selections_tenant_id"), "master_selections", ["tenant_id"], unique=False
    )
    op.create_table(
        "master_skus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("size", sa.String(length=40), nullable=True),
        sa.Column("colour", sa.String(length=40), nullable=True),
        sa.Column("list_points", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "list_points >= 0", name=op.f("ck_master_skus_list_points_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["master_products.id"],
            name=op.f("fk_master_skus_product_id_master_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_skus")),
        sa.UniqueConstraint("code", name=op.f("uq_master_skus_code")),
    )
    op.create_index(op.f("ix_master_skus_product_id"), "master_skus", ["product_id"], unique=False)
    op.create_table(
        "master_adopted_products",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("master_product_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["master_product_id"],
            ["master_products.id"],
            name=op.f("fk_master_adopted_products_master_product_id_master_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_master_adopted_products_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_master_adopted_products_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_master_adopted_products")),
        sa.UniqueConstraint(
            "tenant_id",
            "master_product_id",
            name=op.f("uq_master_adopted_products_tenant_id_master_product_id"),
        ),
    )
    op.create_index(
        op.f("ix_master_adopted_products_master_product_id"),
        "master_adopted_products",
        ["master_product_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_master_adopted_products_tenant_id"),
        "master_adopted_products",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "master_adopted_skus",
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("master_sku_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["master_sku_id"],
            ["master_skus.id"],
            name=op.f("fk_master_adopted_skus_master_sku_id_master_skus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["skus.id"],
            name=op.f("fk_master_adopted_skus_sku_id_skus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_master_adopted_skus_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sku_id", name=op.f("pk_master_adopted_skus")),
        sa.UniqueConstraint(
            "tenant_id",
            "master_sku_id",
            name=op.f("uq_master_adopted_skus_tenant_id_master_sku_id"),
        ),
    )
    op.create_index(
        op.f("ix_master_adopted_skus_master_sku_id"),
        "master_adopted_skus",
        ["master_sku_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_master_adopted_skus_tenant_id"), "master_adopted_skus", ["tenant_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("master_adopted_skus")
    op.drop_table("master_adopted_products")
    op.drop_table("master_skus")
    op.drop_table("master_selections")
    op.drop_table("master_products")
    op.drop_table("suppliers")
    op.drop_table("master_categories")
