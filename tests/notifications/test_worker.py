"""The worker as a separate process: killed in the middle of a batch it loses nothing,
and the restarted delivery sends no duplicates beyond the message in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select, update

from commissary.db import utcnow
from commissary.jobs.models import OutboxAttempt, OutboxEvent
from commissary.jobs.outbox import emit
from commissary.jobs.schedule import ScheduledJob, Scheduler, jobs_of
from commissary.testing import Shop
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import drain

N = 40


class SlowSink(SmtpSink):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.03)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> Any:
    from tests.notifications.peers import start_smtp

    sink = SlowSink()
    controller = start_smtp(sink)
    yield str(controller.hostname), int(controller.port), sink
    controller.stop()


def queue(shop: Shop, n: int) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        for i in range(n):
            emit(
                s,
                shop.tenant.id,
                "notification",
                {
                    "id": f"msg{i:03d}",
                    "kind": "order_submitted",
                    "language": "en",
                    "user_id": 1,
                    "email": f"person{i}@acme.test",
                    "name": f"Person {i}",
                    "subject": f"Message {i}",
                    "text": f"Body {i}",
                    "html": f"<p>Body {i}</p>",
                    "source": "test",
                },
            )


def test_killing_the_worker_mid_batch_loses_nothing(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    queue(mailing_shop, N)
    env = {**os.environ, "COMMISSARY_DATABASE_URL": mailing_shop.portal.db.url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "commissary.cli", "worker", "--interval", "0.05"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while len(sink.messages) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    sent_before = len(sink.messages)
    assert 10 <= sent_before < N, "the worker was killed in the middle of its batch"
    with mailing_shop.portal.db.session() as s:
        leased = s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.locked_until.is_not(None))
        )
    assert leased and leased > 0  # the dead worker's lease still holds the rest
    # Its lease runs out (60 s; here we move the clock instead of waiting) ...
    with mailing_shop.portal.db.transaction() as s:
        s.execute(update(OutboxEvent).values(locked_until=utcnow()))
    drain(mailing_shop)  # ... and another worker finishes the job.
    ids = Counter(m.message["Message-ID"] for m in sink.messages)
    assert len(ids) == N  # nothing lost
    assert sum(ids.values()) - N <= 1  # at most the message in flight went twice
    with mailing_shop.portal.db.session() as s:
        undelivered = s.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
        )
        ok = s.scalar(select(func.count()).select_from(OutboxAttempt).where(OutboxAttempt.ok))
    assert undelivered == 0
    assert ok == N  # one recorded success per message and channel


def test_scheduled_jobs_run_when_due_and_a_failing_job_does_not_stop_others(
    mailing_shop: Shop,
) -> None:
    host = mailing_shop.portal.host
    assert "approval_reminders" in [j.name for j in jobs_of(host)]
    scheduler = Scheduler(mailing_shop.portal.db, host)
    calls: list[str] = []

    def broken(db: Any, host: Any) -> int:
        calls.append("broken")
        raise RuntimeError("boom")

    def fine(db: Any, host: Any) -> int:
        calls.append("fine")
        return 1

    scheduler.jobs = [ScheduledJob("broken", 3600, broken), ScheduledJob("fine", 3600, fine)]
    scheduler._next = {"broken": 0.0, "fine": 0.0}
    assert scheduler.run_due() == 1
    assert scheduler.run_due() == 0  # not due again for an hour
    assert calls == ["broken", "fine"]
