"""webhook signing secrets encrypted at rest

Revision ID: w0002_sealed_secrets
Revises: w0001
Create Date: 2026-11-29 04:50:00

Adds ``secret_sealed`` (the secret encrypted with a key derived from
``COMMISSARY_SECRET_KEY``, see ``commissary_webhooks.sealing``), encrypts every existing
secret into it, and drops the plaintext column. Run it with the deployment's
``COMMISSARY_SECRET_KEY`` set, as the app and the workers run. The downgrade decrypts them
back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "w0002_sealed_secrets"
down_revision: str | Sequence[str] | None = "w0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

endpoints = sa.table(
    "webhook_endpoints",
    sa.column("id", sa.Integer()),
    sa.column("secret", sa.String()),
    sa.column("secret_sealed", sa.Text()),
)


def upgrade() -> None:
    from commissary_webhooks.sealing import seal

    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret_sealed", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True)
        )
    bind = op.get_bind()
    for row_id, secret in bind.execute(sa.select(endpoints.c.id, endpoints.c.secret)).all():
        bind.execute(
            endpoints.update().where(endpoints.c.id == row_id).values(secret_sealed=seal(secret))
        )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.alter_column("secret_sealed", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("secret")


def downgrade() -> None:
    from commissary_webhooks.sealing import unseal

    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret", sa.String(length=100), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(endpoints.c.id, endpoints.c.secret_sealed)).all()
    for row_id, sealed in rows:
        bind.execute(
            endpoints.update().where(endpoints.c.id == row_id).values(secret=unseal(sealed))
        )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_column("secret_rotated_at")
        batch_op.drop_column("secret_sealed")
