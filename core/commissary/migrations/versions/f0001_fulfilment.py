"""fulfilment: warehouses, stock per warehouse, movements, shipments, user locations

Revision ID: f0001
Revises:
Create Date: 2026-11-29 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("fulfilment",)
depends_on: str | Sequence[str] | None = "c0005"


def upgrade() -> None:
    op.create_table(
        "warehouses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "SUPPLIER", "TENANT", "LOCATION", name="warehousekind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_warehouses_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_warehouses_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_warehouses_tenant_id_code")),
    )
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warehouses_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_warehouses_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "user_locations",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_user_locations_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_user_locations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_locations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "location_id", name=op.f("pk_user_locations")),
    )
    with op.batch_alter_table("user_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_locations_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_user_locations_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PREPARING",
                "SHIPPED",
                "DELIVERED",
                name="shipmentstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_shipments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_shipments_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shipments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_shipments_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_shipments_tenant_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_shipments_warehouse_id"), ["warehouse_id"], unique=False
        )

    op.create_table(
        "warehouse_stock",
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "allocated <= on_hand", name=op.f("ck_warehouse_stock_not_over_allocated")
        ),
        sa.CheckConstraint(
            "allocated >= 0", name=op.f("ck_warehouse_stock_allocated_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_warehouse_stock_sku_id_skus"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_warehouse_stock_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_warehouse_stock_warehouse_id_warehouses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("warehouse_id", "sku_id", name=op.f("pk_warehouse_stock")),
    )
    with op.batch_alter_table("warehouse_stock", schema=None) as batch_op:
        batch_op.create_index("ix_warehouse_stock_sku_id", ["sku_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_warehouse_stock_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "shipment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_shipment_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_shipment_lines_order_line_id_order_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_lines_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_shipment_lines_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shipment_lines_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_lines")),
    )
    with op.batch_alter_table("shipment_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shipment_lines_order_line_id"), ["order_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shipment_lines_shipment_id"), ["shipment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shipment_lines_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("on_hand_after", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "INITIAL",
                "RECEIPT",
                "ADJUSTMENT",
                "COUNT",
                "DAMAGED",
                "SHIPMENT",
                "RETURN",
                name="movementreason",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_stock_movements_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_stock_movements_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_stock_movements_shipment_id_shipments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_stock_movements_sku_id_skus"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_stock_movements_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_stock_movements_warehouse_id_warehouses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_movements_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_stock_movements_tenant_sku_at", ["tenant_id", "sku_id", "at"], unique=False
        )
        batch_op.create_index("ix_stock_movements_warehouse_id", ["warehouse_id"], unique=False)

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shipped_quantity", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_check_constraint("not_overshipped", "shipped_quantity <= quantity")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.alter_column("shipped_quantity", server_default=None)

    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("low_stock_threshold", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("backorder_allowed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint(op.f("ck_stock_levels_not_oversold"), type_="check")
        batch_op.create_check_constraint("not_oversold", "reserved <= on_hand OR backorder_allowed")
        batch_op.create_check_constraint("on_hand_not_negative", "on_hand >= 0")
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.alter_column("backorder_allowed", server_default=None)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("may_enter_address", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("may_enter_address", server_default=None)

    _one_warehouse_per_tenant_holding_todays_stock()


def _one_warehouse_per_tenant_holding_todays_stock() -> None:
    """Existing stock moves into a default warehouse ``MAIN`` per tenant, with an
    ``initial`` movement per SKU so the movement history adds up to the level."""
    op.execute(
        """
        INSERT INTO warehouses (tenant_id, code, name, kind, address, priority, is_active)
        SELECT id, 'MAIN', 'Main warehouse', 'TENANT', '', 100, true FROM tenants
        """
    )
    op.execute(
        """
        INSERT INTO warehouse_stock (tenant_id, warehouse_id, sku_id, on_hand, allocated)
        SELECT s.tenant_id, w.id, s.sku_id, s.on_hand, 0
        FROM stock_levels s JOIN warehouses w ON w.tenant_id = s.tenant_id AND w.code = 'MAIN'
        """
    )
    op.execute(
        """
        INSERT INTO stock_movements
            (tenant_id, warehouse_id, sku_id, delta, on_hand_after, reason, note, at)
        SELECT s.tenant_id, w.id, s.sku_id, s.on_hand, s.on_hand, 'INITIAL',
               'stock before warehouses', CURRENT_TIMESTAMP
        FROM stock_levels s JOIN warehouses w ON w.tenant_id = s.tenant_id AND w.code = 'MAIN'
        WHERE s.on_hand > 0
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("may_enter_address")

    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stock_levels_on_hand_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_stock_levels_not_oversold"), type_="check")
        batch_op.create_check_constraint("not_oversold", "reserved <= on_hand")
        batch_op.drop_column("backorder_allowed")
        batch_op.drop_column("low_stock_threshold")

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_lines_not_overshipped"), type_="check")
        batch_op.drop_column("shipped_quantity")

    # Indexes go with their tables.
    for table in (
        "stock_movements",
        "shipment_lines",
        "shipments",
        "warehouse_stock",
        "warehouses",
        "user_locations",
    ):
        op.drop_table(table)
