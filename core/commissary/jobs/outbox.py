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
from commissary.db import Database, utcnow
from commissary.jobs.models import OutboxEvent
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for

if TYPE_CHECKING:
    from commissary.plugins import PluginHost

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=1)


def emit(session: Session, tenant_id: int | None, topic: str, payload: dict[str, Any]) -> None:
    session.add(OutboxEvent(tenant_id=tenant_id, topic=topic, payload=payload))


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [
        OutboxEvent.delivered_at.is_(None),
        OutboxEvent.available_at <= now,
        or_(OutboxEvent.locked_until.is_(None), OutboxEvent.locked_until < now),
    ]


def _claim(db: Database, limit: int) -> list[int]:
    """Lease up to ``limit`` due events. An idle poll is one read, no write lock."""
    now = utcnow()
    with db.session() as session:
        candidates = session.scalars(
            select(OutboxEvent.id).where(*_due(now)).order_by(OutboxEvent.id).limit(limit)
        ).all()
    if not candidates:
        return []
    claimed = []
    with db.transaction() as session:
        for event_id in candidates:
            leased = session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id, *_due(now))
                .values(locked_until=now + LEASE, attempts=OutboxEvent.attempts + 1)
            )
            if leased.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(event_id)
    return claimed


def _deliver_one(db: Database, host: PluginHost, event_id: int) -> bool:
    with db.transaction() as session:
        event = session.get(OutboxEvent, event_id)
        if event is None or event.delivered_at is not None:
            return True
        error = ""
        try:
            if event.tenant_id is not None:
                tenant = session.get(Tenant, event.tenant_id)
                if tenant is not None:
                    session.info["tenant_id"] = tenant.id
                    hooks = hooks_for(session, host, tenant)
                    ctx = Context(tenant=tenant, session=session, hooks=hooks)
                    caller = getattr(hooks, f"on_{event.topic}", None)
                    if caller is not None:
                        with session.begin_nested():
                            caller(ctx=ctx, event=dict(event.payload))
        except Exception as exc:  # isolate plugins: record, retry later
            log.exception("delivering outbox event %s (%s) failed", event.id, event.topic)
            error = f"{type(exc).__name__}: {exc}"
        session.info["tenant_id"] = None
        if error:
            backoff = min(timedelta(seconds=2 ** min(event.attempts, 12)), MAX_BACKOFF)
            event.last_error = error[:2000]
            event.available_at = utcnow() + backoff
            event.locked_until = None
            return False
        event.delivered_at = utcnow()
        event.locked_until = None
        return True


def deliver_pending(db: Database, host: PluginHost, limit: int = 100) -> int:
    """Deliver up to ``limit`` due events; returns how many were delivered."""
    delivered = 0
    for event_id in _claim(db, limit):
        if _deliver_one(db, host, event_id):
            delivered += 1
    return delivered


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
