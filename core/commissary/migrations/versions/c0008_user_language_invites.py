"""people's language, the tenant's default language, and invitations

Revision ID: c0008_user_language_invites
Revises: c0007
Create Date: 2026-11-29 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0008_user_language_invites"
down_revision: str | Sequence[str] | None = "c0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("default_language", sa.String(length=8), server_default="en", nullable=False)
        )
    op.create_table(
        "user_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_user_invites_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_user_invites_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_invites_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_invites")),
    )
    with op.batch_alter_table("user_invites", schema=None) as batch_op:
        batch_op.create_index("ix_user_invites_token_hash", ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_user_invites_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_invites_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_invites_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_invites_tenant_id"))
        batch_op.drop_index("ix_user_invites_token_hash")
    op.drop_table("user_invites")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("default_language")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
