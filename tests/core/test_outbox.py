"""The outbox worker: events leave after commit, once per lease, even with two workers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from commissary import Context, hookimpl
from commissary.jobs.models import OutboxEvent
from commissary.jobs.outbox import deliver_pending, emit
from commissary.testing import Portal


class Counter:
    def __init__(self) -> None:
        self.seen: list[int] = []
        self.lock = threading.Lock()

        self.batches: list[int] = []

    @hookimpl
    def on_order_submitted(self, ctx: Context, event: dict[str, object]) -> None:
        with self.lock:
            self.seen.append(int(str(event["order_id"])))

    @hookimpl
    def outbox_batch_finished(self) -> None:
        with self.lock:
            self.batches.append(len(self.seen))


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def commissary_plugins(counter: Counter) -> list[tuple[str, object]]:
    return [("counter", counter)]


def test_two_workers_deliver_each_event_once(portal: Portal, counter: Counter) -> None:
    shop = portal.tenant("acme", plugins={"counter": {}})
    with portal.db.transaction(shop.tenant.id) as s:
        for i in range(40):
            emit(s, shop.tenant.id, "order_submitted", {"order_id": i})
    barrier = threading.Barrier(2)

    def work() -> None:
        barrier.wait()
        while deliver_pending(portal.db, portal.host, limit=5):
            pass

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert sorted(counter.seen) == list(range(40))
    with portal.db.session() as s:
        undelivered = s.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
        )
    assert undelivered == 0


def test_plugins_hear_when_each_batch_is_done(portal: Portal, counter: Counter) -> None:
    """``outbox_batch_finished`` comes after the batch's handlers ran (the e-mail plugin
    closes its shared SMTP sessions there), once per batch."""
    shop = portal.tenant("acme", plugins={"counter": {}})
    with portal.db.transaction(shop.tenant.id) as s:
        for i in range(7):
            emit(s, shop.tenant.id, "order_submitted", {"order_id": i})
    assert deliver_pending(portal.db, portal.host, limit=5) == 5
    assert deliver_pending(portal.db, portal.host, limit=5) == 2
    assert counter.batches == [5, 7]


def test_events_of_a_tenant_without_the_plugin_are_delivered_to_nobody(
    portal: Portal, counter: Counter
) -> None:
    shop = portal.tenant("plain", plugins={})
    with portal.db.transaction(shop.tenant.id) as s:
        emit(s, shop.tenant.id, "order_submitted", {"order_id": 1})
    assert deliver_pending(portal.db, portal.host) == 1
    assert counter.seen == []


def test_an_event_rolled_back_with_its_change_is_never_sent(
    portal: Portal, counter: Counter
) -> None:
    shop = portal.tenant("acme", plugins={"counter": {}})
    with pytest.raises(RuntimeError), portal.db.transaction(shop.tenant.id) as s:
        emit(s, shop.tenant.id, "order_submitted", {"order_id": 7})
        raise RuntimeError("the order failed")
    assert deliver_pending(portal.db, portal.host) == 0
    assert counter.seen == []
