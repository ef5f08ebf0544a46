"""approval steps for orders already waiting when the rule engine is installed

Revision ID: r0002
Revises: r0001
Create Date: 2026-11-29 02:05:00

Every pending line without steps gets one open level-1 step for its order's location
manager (the direct manager; none, or the buyer themselves: anyone with the role
``approver``), so orders waiting before the upgrade stay in the inbox. Data only.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "r0002"
down_revision: str | Sequence[str] | None = "r0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO order_approval_steps (tenant_id, order_id, line_id, level, rule, reason,
            approver_kind, approver_user_id, approver_role, approver_location_id, status,
            opened_at, escalate_after_days, escalations)
        SELECT l.tenant_id, l.order_id, l.id, 1, 'points_threshold',
               'waiting since before the approval rules',
               CASE WHEN loc.manager_id IS NOT NULL AND loc.manager_id <> o.user_id
                    THEN 'LOCATION_MANAGER' ELSE 'ROLE' END,
               CASE WHEN loc.manager_id <> o.user_id THEN loc.manager_id END,
               CASE WHEN loc.manager_id IS NOT NULL AND loc.manager_id <> o.user_id
                    THEN NULL ELSE 'approver' END,
               CASE WHEN loc.manager_id <> o.user_id THEN loc.id END,
               'OPEN', o.submitted_at, NULL, 0
        FROM order_lines l
        JOIN orders o ON o.id = l.order_id
        LEFT JOIN locations loc ON loc.id = o.location_id
        WHERE l.status = 'PENDING'
          AND NOT EXISTS (SELECT 1 FROM order_approval_steps s WHERE s.line_id = l.id)
        """
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM order_approval_steps WHERE reason = 'waiting since before the approval rules'"
    )
