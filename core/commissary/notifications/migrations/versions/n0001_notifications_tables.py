"""notifications tables

Revision ID: n0001
Revises:
Create Date: 2026-11-28 22:55:44.634870
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "n0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("notifications",)
depends_on: str | Sequence[str] | None = "c0001"


def upgrade() -> None:
    op.create_table(
        "notification_digest_kinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notification_digest_kinds_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digest_kinds")),
        sa.UniqueConstraint(
            "tenant_id", "kind", name=op.f("uq_notification_digest_kinds_tenant_id_kind")
        ),
        info={"plugin": "notifications"},
    )
    with op.batch_alter_table("notification_digest_kinds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_digest_kinds_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "outbox_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name=op.f("fk_outbox_attempts_event_id_outbox_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_outbox_attempts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
        info={"plugin": "notifications"},
    )
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_attempts_event_handler", ["event_id", "handler"], unique=False
        )

    op.create_table(
        "notification_digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notification_digest_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_digest_items_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digest_items")),
        info={"plugin": "notifications"},
    )
    with op.batch_alter_table("notification_digest_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_digest_items_pending",
            ["tenant_id", "sent_at", "user_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notification_digest_items_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notification_preferences_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "kind",
            name=op.f("uq_notification_preferences_tenant_id_user_id_kind"),
        ),
        info={"plugin": "notifications"},
    )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_preferences_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "notification_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject_key", sa.String(length=120), nullable=False),
        sa.Column("threshold", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notification_reminders_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_reminders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_reminders")),
        sa.UniqueConstraint(
            "tenant_id",
            "kind",
            "user_id",
            "subject_key",
            "threshold",
            name="uq_notification_reminders_once",
        ),
        info={"plugin": "notifications"},
    )
    with op.batch_alter_table("notification_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_reminders_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "notification_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notification_templates_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_notification_templates_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_templates")),
        sa.UniqueConstraint(
            "tenant_id",
            "kind",
            "language",
            name=op.f("uq_notification_templates_tenant_id_kind_language"),
        ),
        info={"plugin": "notifications"},
    )
    with op.batch_alter_table("notification_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_templates_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_templates_tenant_id"))

    op.drop_table("notification_templates")
    with op.batch_alter_table("notification_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_reminders_tenant_id"))

    op.drop_table("notification_reminders")
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preferences_tenant_id"))

    op.drop_table("notification_preferences")
    with op.batch_alter_table("notification_digest_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_digest_items_tenant_id"))
        batch_op.drop_index("ix_notification_digest_items_pending")

    op.drop_table("notification_digest_items")
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_attempts_event_handler")

    op.drop_table("outbox_attempts")
    with op.batch_alter_table("notification_digest_kinds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_digest_kinds_tenant_id"))

    op.drop_table("notification_digest_kinds")
