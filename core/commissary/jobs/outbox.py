"""Writing events to the outbox, and the worker that delivers them to ``on_*`` hooks.

An event is written in the same transaction as the change that caused it, so it exists
exactly when the change does. The worker claims an event with a conditional UPDATE (a
lease), calls the tenant's enabled ``on_<topic>`` implementations, and marks it delivered;
on failure it retries with exponential backoff. Delivery is at least once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from commissary.context import Context
from commissary.db import Database, row_insert, utcnow
from commissary.jobs.models import OutboxEvent
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for

if TYPE_CHECKING:
    from commissary.plugins import PluginHost

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=1)


def emit(session: Session, tenant_id: int | None, topic: str, payload: dict[str, Any]) -> None:
    session.execute(
        row_insert(OutboxEvent), {"tenant_id": tenant_id, "topic": topic, "payload": payload}
    )


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [
        OutboxEvent.delivered_at.is_(None),
        OutboxEvent.available_at <= now,
        or_(OutboxEvent.locked_until.is_(None), OutboxEvent.locked_until < now),
    ]


def _claim(db: Database, limit: int) -> list[int]:
    """Lease up to ``limit`` due events with one UPDATE; several workers never lease the
    same event (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one writer at a time on SQLite).
    An idle poll is a single read and takes no write lock."""
    now = utcnow()
    with db.session() as session:
        if session.scalar(select(OutboxEvent.id).where(*_due(now)).limit(1)) is None:
            return []
    with db.transaction() as session:
        due = (
            select(OutboxEvent.id)
            .where(*_due(now))
            .order_by(OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        leased = session.scalars(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(due.scalar_subquery()))
            .values(locked_until=now + LEASE, attempts=OutboxEvent.attempts + 1)
            .returning(OutboxEvent.id)
        ).all()
    return sorted(leased)


def _dispatch(session: Session, host: PluginHost, tenant: Tenant | None, event: OutboxEvent) -> str:
    """Call the tenant's enabled ``on_<topic>`` implementations; the error text, or ''."""
    if tenant is None:
        return ""
    session.info["tenant_id"] = tenant.id
    try:
        hooks = hooks_for(session, host, tenant)
        caller = getattr(hooks, f"on_{event.topic}", None)
        if caller is None or not caller.get_hookimpls():
            return ""  # nobody listens here: delivered
        ctx = Context(tenant=tenant, session=session, hooks=hooks)
        with session.begin_nested():
            caller(ctx=ctx, event=dict(event.payload))
        return ""
    except Exception as exc:  # isolate plugins: record, retry later
        log.exception("delivering outbox event %s (%s) failed", event.id, event.topic)
        return f"{type(exc).__name__}: {exc}"
    finally:
        session.info["tenant_id"] = None


def _deliver(db: Database, host: PluginHost, event_ids: list[int]) -> int:
    """Deliver leased events. Handlers run in a read transaction (on SQLite they hold no
    write lock unless they write); the outcome is recorded in a short write afterwards."""
    failures: dict[int, tuple[str, int]] = {}
    with db.session() as session:
        events = session.scalars(
            select(OutboxEvent).where(OutboxEvent.id.in_(event_ids)).order_by(OutboxEvent.id)
        ).all()
        tenant_ids = {e.tenant_id for e in events if e.tenant_id is not None}
        tenants = {
            t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids)))
        }
        for event in events:
            error = _dispatch(session, host, tenants.get(event.tenant_id or 0), event)
            if error:
                failures[event.id] = (error, event.attempts)
        session.commit()
    delivered = [e.id for e in events if e.id not in failures]
    now = utcnow()
    with db.transaction() as session:
        if delivered:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(delivered))
                .values(delivered_at=now, locked_until=None)
            )
        for event_id, (error, attempts) in failures.items():
            backoff = min(timedelta(seconds=2 ** min(attempts, 12)), MAX_BACKOFF)
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id)
                .values(last_error=error[:2000], available_at=now + backoff, locked_until=None)
            )
    return len(delivered)


def deliver_pending(db: Database, host: PluginHost, limit: int = 100) -> int:
    """Deliver up to ``limit`` due events; returns how many were delivered."""
    leased = _claim(db, limit)
    return _deliver(db, host, leased) if leased else 0


class InProcessWorker:
    """The embedded default: a daemon thread in the web process polls the outbox."""

    def __init__(self, db: Database, host: PluginHost, interval: float = 0.5) -> None:
        self.db, self.host, self.interval = db, host, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="commissary-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if deliver_pending(self.db, self.host) == 0:
                    self._stop.wait(self.interval)
            except Exception:
                log.exception("outbox worker loop failed; retrying")
                self._stop.wait(self.interval * 4)
