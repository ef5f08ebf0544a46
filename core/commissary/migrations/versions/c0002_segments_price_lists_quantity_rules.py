"""segments, price lists, quantity rules

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-28 22:26:56.012719
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0002"
down_revision: str | Sequence[str] | None = "c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalogs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_catalogs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogs")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_catalogs_tenant_id_code")),
    )
    with op.batch_alter_table("catalogs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalogs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "customer_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customer_types_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_types")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_customer_types_tenant_id_code")),
    )
    with op.batch_alter_table("customer_types", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_types_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "catalog_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalog_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("CATEGORY", "PRODUCT", "SKU", name="entrykind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalog_id"],
            ["catalogs.id"],
            name=op.f("fk_catalog_entries_catalog_id_catalogs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_catalog_entries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_entries")),
        sa.UniqueConstraint(
            "catalog_id",
            "kind",
            "target_id",
            name=op.f("uq_catalog_entries_catalog_id_kind_target_id"),
        ),
    )
    with op.batch_alter_table("catalog_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_entries_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "customer_type_catalogs",
        sa.Column("customer_type_id", sa.Integer(), nullable=False),
        sa.Column("catalog_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalog_id"],
            ["catalogs.id"],
            name=op.f("fk_customer_type_catalogs_catalog_id_catalogs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_type_id"],
            ["customer_types.id"],
            name=op.f("fk_customer_type_catalogs_customer_type_id_customer_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customer_type_catalogs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "customer_type_id", "catalog_id", name=op.f("pk_customer_type_catalogs")
        ),
    )
    with op.batch_alter_table("customer_type_catalogs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_type_catalogs_catalog_id"), ["catalog_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_type_catalogs_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "location_catalogs",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("catalog_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalog_id"],
            ["catalogs.id"],
            name=op.f("fk_location_catalogs_catalog_id_catalogs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_location_catalogs_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_location_catalogs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", name=op.f("pk_location_catalogs")),
    )
    with op.batch_alter_table("location_catalogs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_location_catalogs_catalog_id"), ["catalog_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_location_catalogs_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "price_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_type_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_type_id"],
            ["customer_types.id"],
            name=op.f("fk_price_lists_customer_type_id_customer_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_price_lists_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_lists")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_price_lists_tenant_id_code")),
    )
    with op.batch_alter_table("price_lists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_price_lists_customer_type_id"), ["customer_type_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_price_lists_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "price_list_discounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("price_list_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("catalog_id", sa.Integer(), nullable=True),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "NOT (category_id IS NOT NULL AND catalog_id IS NOT NULL)",
            name=op.f("ck_price_list_discounts_one_target"),
        ),
        sa.CheckConstraint(
            "percent > 0 AND percent <= 100", name=op.f("ck_price_list_discounts_percent_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["catalog_id"],
            ["catalogs.id"],
            name=op.f("fk_price_list_discounts_catalog_id_catalogs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_price_list_discounts_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["price_lists.id"],
            name=op.f("fk_price_list_discounts_price_list_id_price_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_price_list_discounts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_list_discounts")),
    )
    with op.batch_alter_table("price_list_discounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_price_list_discounts_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "user_customer_types",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("customer_type_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_type_id"],
            ["customer_types.id"],
            name=op.f("fk_user_customer_types_customer_type_id_customer_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_user_customer_types_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_customer_types_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "customer_type_id", name=op.f("pk_user_customer_types")),
    )
    with op.batch_alter_table("user_customer_types", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_customer_types_customer_type_id"),
            ["customer_type_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_user_customer_types_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "catalog_skus",
        sa.Column("catalog_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalog_id"],
            ["catalogs.id"],
            name=op.f("fk_catalog_skus_catalog_id_catalogs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_catalog_skus_sku_id_skus"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_catalog_skus_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("catalog_id", "sku_id", name=op.f("pk_catalog_skus")),
    )
    with op.batch_alter_table("catalog_skus", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_skus_sku_id"), ["sku_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_skus_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "price_list_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("price_list_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("unit_points", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "min_quantity >= 1", name=op.f("ck_price_list_items_tier_starts_at_one")
        ),
        sa.CheckConstraint("unit_points >= 0", name=op.f("ck_price_list_items_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["price_lists.id"],
            name=op.f("fk_price_list_items_price_list_id_price_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["skus.id"],
            name=op.f("fk_price_list_items_sku_id_skus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_price_list_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_list_items")),
        sa.UniqueConstraint(
            "price_list_id",
            "sku_id",
            "min_quantity",
            name=op.f("uq_price_list_items_price_list_id_sku_id_min_quantity"),
        ),
    )
    with op.batch_alter_table("price_list_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_price_list_items_sku_id"), ["sku_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_price_list_items_tenant_id"), ["tenant_id"], unique=False
        )

    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_quantity", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("max_quantity", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("quantity_step", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.create_check_constraint(
            "quantity_rules",
            "min_quantity >= 1 AND quantity_step >= 1"
            " AND (max_quantity IS NULL OR max_quantity >= min_quantity)",
        )

    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_order_points", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("min_order_points")

    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_skus_quantity_rules"), type_="check")
        batch_op.drop_column("quantity_step")
        batch_op.drop_column("max_quantity")
        batch_op.drop_column("min_quantity")

    with op.batch_alter_table("price_list_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_list_items_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_price_list_items_sku_id"))

    op.drop_table("price_list_items")
    with op.batch_alter_table("catalog_skus", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_skus_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_skus_sku_id"))

    op.drop_table("catalog_skus")
    with op.batch_alter_table("user_customer_types", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_customer_types_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_user_customer_types_customer_type_id"))

    op.drop_table("user_customer_types")
    with op.batch_alter_table("price_list_discounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_list_discounts_tenant_id"))

    op.drop_table("price_list_discounts")
    with op.batch_alter_table("price_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_lists_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_price_lists_customer_type_id"))

    op.drop_table("price_lists")
    with op.batch_alter_table("location_catalogs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_catalogs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_location_catalogs_catalog_id"))

    op.drop_table("location_catalogs")
    with op.batch_alter_table("customer_type_catalogs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_type_catalogs_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_customer_type_catalogs_catalog_id"))

    op.drop_table("customer_type_catalogs")
    with op.batch_alter_table("catalog_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_entries_tenant_id"))

    op.drop_table("catalog_entries")
    with op.batch_alter_table("customer_types", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_types_tenant_id"))

    op.drop_table("customer_types")
    with op.batch_alter_table("catalogs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogs_tenant_id"))

    op.drop_table("catalogs")
