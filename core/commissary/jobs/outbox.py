"""Writing events to the outbox, and the worker that delivers them to ``on_*`` hooks.

An event is written in the same transaction as the change that caused it, so it exists
exactly when the change does. The worker leases a batch of events with one conditional
UPDATE, then calls each enabled ``on_<topic>`` implementation *separately*: in its own
thread, with its own session and a timeout, so a plugin that raises or hangs neither
blocks the other handlers nor the worker. Every attempt is recorded (``outbox_attempts``);
a successful handler's record commits in the handler's own transaction, so a retried
event skips the handlers that already succeeded. An event with a failed handler is
retried with exponential backoff. Delivery is at least once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from commissary.context import Context
from commissary.db import Database, row_insert, utcnow
from commissary.jobs.models import OutboxAttempt, OutboxEvent
from commissary.tenants.models import Tenant
from commissary.tenants.service import hooks_for

if TYPE_CHECKING:
    from pluggy import HookImpl

    from commissary.plugins import PluginHost, TenantHooks

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=1)
# A handler that runs longer is abandoned (its thread is left to finish, its writes are
# rolled back) and the event is retried later. Shorter than the lease, so a batch stops
# before another worker could lease the same events.
HANDLER_TIMEOUT = 20.0


class EventPayload(dict[str, Any]):
    """The ``event`` handed to ``on_*`` handlers: the payload as emitted (it compares equal
    to a plain dict), plus the outbox row's id as the attribute ``outbox_event_id``: the
    same on every retry, for handlers to use as an idempotency key."""

    def __init__(self, payload: dict[str, Any], outbox_event_id: int) -> None:
        super().__init__(payload)
        self.outbox_event_id = outbox_event_id


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


@dataclass
class _Outcome:
    ok: bool = False
    error: str = "timed out"
    finished: bool = False


class _HandlerRun:
    """One handler called in a thread of its own, with a session of its own.

    If the caller stops waiting (timeout), the run is *abandoned*: whenever the handler
    returns, its transaction is rolled back instead of committed."""

    def __init__(
        self,
        db: Database,
        tenant: Tenant,
        hooks: TenantHooks,
        event: OutboxEvent,
        impl: HookImpl,
    ) -> None:
        self.db, self.tenant, self.hooks, self.event, self.impl = db, tenant, hooks, event, impl
        self.outcome = _Outcome()
        self.started_at = utcnow()
        self._lock = threading.Lock()
        self._abandoned = False
        self._t0 = time.monotonic()

    def run(self, timeout: float) -> _Outcome:
        thread = threading.Thread(
            target=self._target, name=f"outbox-{self.impl.plugin_name}", daemon=True
        )
        thread.start()
        thread.join(timeout)
        with self._lock:
            if not self.outcome.finished:
                self._abandoned = True
                self.outcome.error = f"timed out after {timeout:g}s"
            return self.outcome

    def attempt_row(self, ok: bool, error: str) -> dict[str, Any]:
        return {
            "event_id": self.event.id,
            "tenant_id": self.tenant.id,
            "handler": self.impl.plugin_name,
            "topic": self.event.topic,
            "ok": ok,
            "error": error[:2000],
            "started_at": self.started_at,
            "seconds": round(time.monotonic() - self._t0, 4),
        }

    def _target(self) -> None:
        session = self.db.session(self.tenant.id, write=True)
        try:
            ctx = Context(tenant=self.tenant, session=session, hooks=self.hooks)
            offered = {"ctx": ctx, "event": EventPayload(self.event.payload, self.event.id)}
            self.impl.function(**{name: offered[name] for name in self.impl.argnames})
            with self._lock:
                if self._abandoned:
                    session.rollback()
                    return
                session.execute(row_insert(OutboxAttempt), self.attempt_row(True, ""))
                session.commit()
                self.outcome.ok, self.outcome.error = True, ""
        except Exception as exc:  # isolate plugins: record, retry later
            session.rollback()
            log.exception(
                "outbox event %s (%s): handler %s failed",
                self.event.id,
                self.event.topic,
                self.impl.plugin_name,
            )
            with self._lock:
                self.outcome.error = f"{type(exc).__name__}: {exc}"
        finally:
            session.close()
            with self._lock:
                self.outcome.finished = True


def _handlers(hooks: TenantHooks, topic: str) -> list[HookImpl]:
    caller = getattr(hooks, f"on_{topic}", None)
    if caller is None:
        return []
    # pluggy lists implementations last-registered first; core first, then by name.
    impls: list[HookImpl] = caller.get_hookimpls()
    host = hooks.host
    order = {name: i for i, name in enumerate(host.names())}
    return sorted(impls, key=lambda impl: order.get(impl.plugin_name, len(order)))


def _deliver(
    db: Database, host: PluginHost, event_ids: list[int], timeout: float = HANDLER_TIMEOUT
) -> int:
    """Deliver leased events, one handler at a time, and record each attempt."""
    started = time.monotonic()
    with db.session() as session:
        events = session.scalars(
            select(OutboxEvent).where(OutboxEvent.id.in_(event_ids)).order_by(OutboxEvent.id)
        ).all()
        tenant_ids = {e.tenant_id for e in events if e.tenant_id is not None}
        tenants = {
            t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids)))
        }
        done = {
            (event_id, handler)
            for event_id, handler in session.execute(
                select(OutboxAttempt.event_id, OutboxAttempt.handler).where(
                    OutboxAttempt.event_id.in_(event_ids), OutboxAttempt.ok.is_(True)
                )
            )
        }
        hooks_of: dict[int, TenantHooks] = {}
        for tenant in tenants.values():
            session.info["tenant_id"] = tenant.id
            hooks_of[tenant.id] = hooks_for(session, host, tenant)
        session.info["tenant_id"] = None
        session.commit()
    delivered: list[int] = []
    failures: dict[int, tuple[str, int]] = {}
    unstarted: list[int] = []
    failed_attempts: list[dict[str, Any]] = []
    budget = LEASE.total_seconds() - 5
    out_of_time = False
    for event in events:
        owner = tenants.get(event.tenant_id or 0)
        if out_of_time:
            unstarted.append(event.id)
            continue
        if owner is None:
            delivered.append(event.id)  # deployment-wide events have no tenant listeners yet
            continue
        errors = []
        for impl in _handlers(hooks_of[owner.id], event.topic):
            if (event.id, impl.plugin_name) in done:
                continue
            # Stop before the lease could run out mid-handler: the rest goes back to the
            # queue, and the handlers that succeeded are skipped when it comes back.
            if time.monotonic() - started + timeout > budget:
                out_of_time = True
                break
            run = _HandlerRun(db, owner, hooks_of[owner.id], event, impl)
            outcome = run.run(timeout)
            if not outcome.ok:
                errors.append(f"{impl.plugin_name}: {outcome.error}")
                failed_attempts.append(run.attempt_row(False, outcome.error))
        if errors:
            failures[event.id] = ("; ".join(errors), event.attempts)
        elif out_of_time:
            unstarted.append(event.id)
        else:
            delivered.append(event.id)
    now = utcnow()
    with db.transaction() as session:
        if failed_attempts:
            session.execute(row_insert(OutboxAttempt), failed_attempts)
        if delivered:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(delivered))
                .values(delivered_at=now, locked_until=None)
            )
        if unstarted:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(unstarted))
                .values(locked_until=None, attempts=OutboxEvent.attempts - 1)
            )
        for event_id, (error, attempts) in failures.items():
            backoff = min(timedelta(seconds=2 ** min(attempts, 12)), MAX_BACKOFF)
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id)
                .values(last_error=error[:2000], available_at=now + backoff, locked_until=None)
            )
    return len(delivered)


def deliver_pending(
    db: Database, host: PluginHost, limit: int = 100, *, timeout: float = HANDLER_TIMEOUT
) -> int:
    """Deliver up to ``limit`` due events; returns how many were delivered."""
    leased = _claim(db, limit)
    if not leased:
        return 0
    try:
        return _deliver(db, host, leased, timeout)
    finally:
        try:
            host.pm.hook.outbox_batch_finished()
        except Exception:
            log.exception("outbox_batch_finished failed")


def run_worker(
    db: Database,
    host: PluginHost,
    stop: threading.Event,
    *,
    interval: float = 0.5,
    timeout: float = HANDLER_TIMEOUT,
) -> None:
    """The worker loop, in-process or as ``commissary worker``: run due scheduled jobs,
    deliver a batch, sleep when idle; errors are logged and the loop goes on."""
    from commissary.jobs.schedule import Scheduler

    scheduler = Scheduler(db, host)
    while not stop.is_set():
        try:
            scheduler.run_due()
            if deliver_pending(db, host, timeout=timeout) == 0:
                stop.wait(interval)
        except Exception:
            log.exception("outbox worker loop failed; retrying")
            stop.wait(interval * 4)


class InProcessWorker:
    """The embedded default: a daemon thread in the web process runs :func:`run_worker`."""

    def __init__(self, db: Database, host: PluginHost, interval: float = 0.5) -> None:
        self.db, self.host, self.interval = db, host, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=run_worker,
            args=(db, host, self._stop),
            kwargs={"interval": interval},
            name="commissary-outbox",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
