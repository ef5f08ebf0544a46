"""Digests: messages of the kinds a tenant batches, sent as one message per person.

``service.send`` keeps such messages as ``notification_digest_items``. The digest job
finds people whose oldest waiting item is older than their tenant's digest period (daily
or weekly, chosen on the Message templates page) and, per person,
takes their items with one conditional UPDATE (``sent_at IS NULL`` → now, RETURNING) and
emits one ``digest`` notification in the same transaction. An overlapping run finds the
items taken (PostgreSQL re-checks the condition after the first run's commit; SQLite has
one writer at a time), so no item is sent twice.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from commissary.context import Context
from commissary.db import Database, utcnow
from commissary.identity.models import User
from commissary.notifications import service
from commissary.notifications.catalog import KINDS
from commissary.notifications.models import DigestItem
from commissary.notifications.settings import DEFAULTS, DIGEST_PERIODS, all_tenant_settings
from commissary.plugins import PluginHost
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for


def send_digests(db: Database, host: PluginHost, period: timedelta | None = None) -> int:
    """Send every digest that is due; returns how many digests were emitted. ``period``
    overrides every tenant's own digest period (tests, a manual run)."""
    now = utcnow()
    shortest = period if period is not None else min(DIGEST_PERIODS.values())
    with db.session() as session:
        due = session.execute(
            select(DigestItem.tenant_id, DigestItem.user_id, func.min(DigestItem.created_at))
            .where(DigestItem.sent_at.is_(None))
            .group_by(DigestItem.tenant_id, DigestItem.user_id)
            .having(func.min(DigestItem.created_at) <= now - shortest)
        ).all()
        own = all_tenant_settings(session) if due and period is None else {}
    by_tenant: dict[int, list[int]] = {}
    for tenant_id, user_id, oldest in due:
        wait = period if period is not None else own.get(tenant_id, DEFAULTS).digest_interval
        if oldest <= now - wait:
            by_tenant.setdefault(tenant_id, []).append(user_id)
    sent = 0
    for tenant_id, user_ids in sorted(by_tenant.items()):
        with db.transaction(tenant_id) as session:
            tenant = session.get(Tenant, tenant_id)
            assert tenant is not None
            ctx = Context(tenant=tenant, session=session, hooks=hooks_for(session, host, tenant))
            for user in service.users(ctx, sorted(user_ids)):
                sent += _send_one(ctx, user)
    return sent


def _send_one(ctx: Context, user: User) -> int:
    now = utcnow()
    taken = ctx.session.execute(
        update(DigestItem)
        .where(DigestItem.user_id == user.id, DigestItem.sent_at.is_(None))
        .values(sent_at=now)
        .returning(DigestItem.id, DigestItem.kind, DigestItem.subject, DigestItem.text)
        .execution_options(synchronize_session=False)
    ).all()
    if not taken or not user.is_active:
        return 0
    items = [
        {"kind": kind, "subject": subject, "text": text} for _, kind, subject, text in sorted(taken)
    ]
    variables = {
        "items": items,
        "tenant": service.tenant_vars(ctx),
        "user": {"id": user.id, "name": user.name, "email": user.email},
    }
    language = service.language_of(ctx, user)
    rendered = service.render_for(ctx, KINDS["digest"], language, variables)
    service.emit_message(ctx, user, "digest", language, rendered, "digest")
    return 1
