"""Digests: messages of the kinds a tenant batches, sent as one message per person.

``service.send`` keeps such messages as ``notification_digest_items``. The digest job
finds people whose oldest waiting item is older than the digest period and, per person,
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
from commissary.notifications.catalog import DEFAULT_LANGUAGE, KINDS
from commissary.notifications.models import DigestItem
from commissary.plugins import PluginHost
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for

DIGEST_PERIOD = timedelta(hours=24)


def send_digests(db: Database, host: PluginHost, period: timedelta = DIGEST_PERIOD) -> int:
    """Send every digest that is due; returns how many digests were emitted."""
    cutoff = utcnow() - period
    with db.session() as session:
        due = session.execute(
            select(DigestItem.tenant_id, DigestItem.user_id)
            .where(DigestItem.sent_at.is_(None))
            .group_by(DigestItem.tenant_id, DigestItem.user_id)
            .having(func.min(DigestItem.created_at) <= cutoff)
        ).all()
    by_tenant: dict[int, list[int]] = {}
    for tenant_id, user_id in due:
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
        "tenant": {
            "name": ctx.tenant.name,
            "slug": ctx.tenant.slug,
            "url": f"/t/{ctx.tenant.slug}",
        },
        "user": {"id": user.id, "name": user.name, "email": user.email},
    }
    rendered = service.render_for(ctx, KINDS["digest"], DEFAULT_LANGUAGE, variables)
    service.emit_message(ctx, user, "digest", DEFAULT_LANGUAGE, rendered, "digest")
    return 1
