"""Reminders: approvals waiting too long, and the once-only key that points-expiring and
budget reminders share; plus the topics those reminders emit."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from commissary import Context, hookimpl
from commissary.db import utcnow
from commissary.jobs.outbox import emit
from commissary.jobs.schedule import ScheduledJob, Scheduler
from commissary.notifications.reminders import claim_reminder, remind_waiting_approvals
from commissary.orders.models import Order
from commissary.testing import Shop
from tests.helpers import user
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import checkout, drain, enable


class Listener:
    """A third-party plugin listening to the reminder topics, with a job of its own."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.job_runs = 0

    @hookimpl
    def on_approval_waiting(self, ctx: Context, event: dict[str, Any]) -> None:
        self.seen.append(("approval_waiting", event))

    @hookimpl
    def on_points_expiring(self, ctx: Context, event: dict[str, Any]) -> None:
        self.seen.append(("points_expiring", event))

    @hookimpl
    def on_budget_threshold(self, ctx: Context, event: dict[str, Any]) -> None:
        self.seen.append(("budget_threshold", event))

    @hookimpl
    def register_jobs(self) -> list[ScheduledJob]:
        def tick(db: Any, host: Any) -> int:
            self.job_runs += 1
            return 0

        return [ScheduledJob("listener_tick", 60, tick)]


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def commissary_plugins(listener: Listener) -> list[tuple[str, object]]:
    return [("listener", listener)]


def age_orders(shop: Shop, days: float) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(Order).values(submitted_at=utcnow() - timedelta(days=days)))


def test_an_order_waiting_two_days_reminds_its_approver_once(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink], listener: Listener
) -> None:
    _, _, sink = smtp
    enable(mailing_shop, "listener")
    order = checkout(mailing_shop, "BOOT-42", 2, "k1")
    drain(mailing_shop)
    sink.messages.clear()
    db, host = mailing_shop.portal.db, mailing_shop.portal.host
    assert remind_waiting_approvals(db, host) == 0  # too young yet
    age_orders(mailing_shop, 2.5)
    # Two workers run the job at the same time, then once more: one reminder.
    results: list[int] = []
    runs = [
        threading.Thread(target=lambda: results.append(remind_waiting_approvals(db, host)))
        for _ in range(2)
    ]
    for t in runs:
        t.start()
    for t in runs:
        t.join(30)
    assert sorted(results) == [0, 1]
    assert remind_waiting_approvals(db, host) == 0
    drain(mailing_shop)
    number = f"SO-{order['id']:06d}"
    assert [(m.rcpt, m.message["Subject"]) for m in sink.messages] == [
        (["manager@acme.test"], f"Reminder: {number} has waited 2 days for you")
    ]
    manager = user(mailing_shop, "manager@acme.test")
    [seen] = [e for topic, e in listener.seen if topic == "approval_waiting"]
    assert isinstance(seen.outbox_event_id, int)  # type: ignore[attr-defined]
    assert seen == {
        "order_id": order["id"],
        "buyer_id": order["buyer_id"],
        "days": 2,
        "approver_ids": [manager.id],
    }
    # The next threshold (7 days) reminds again, once.
    age_orders(mailing_shop, 8)
    assert remind_waiting_approvals(db, host) == 1
    assert remind_waiting_approvals(db, host) == 0


def test_a_decided_order_is_not_reminded(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    order = checkout(mailing_shop, "BOOT-42", 2, "k1")
    age_orders(mailing_shop, 3)
    assert remind_waiting_approvals(mailing_shop.portal.db, mailing_shop.portal.host) == 1
    manager = mailing_shop.api(user(mailing_shop, "manager@acme.test"))
    r = manager.post(
        f"/approvals/{order['id']}/decision",
        json={"lines": [{"line_id": order["lines"][0]["id"], "decision": "approve"}]},
    )
    assert r.status_code == 200, r.text
    drain(mailing_shop)
    assert not any("Reminder" in m.message["Subject"] for m in sink.messages)


def test_the_once_only_key(mailing_shop: Shop) -> None:
    buyer = user(mailing_shop, "buyer@acme.test")
    tid = mailing_shop.tenant.id
    with mailing_shop.portal.db.transaction(tid) as s:
        assert claim_reminder(s, tid, "points_expiring", buyer.id, "lot:7", "7d") is True
        assert claim_reminder(s, tid, "points_expiring", buyer.id, "lot:7", "7d") is False
        assert claim_reminder(s, tid, "points_expiring", buyer.id, "lot:7", "1d") is True
        assert claim_reminder(s, tid, "budget_threshold", buyer.id, "budget:3:2026-11", "80")
    with mailing_shop.portal.db.transaction(tid) as s:
        assert claim_reminder(s, tid, "points_expiring", buyer.id, "lot:7", "7d") is False


def test_points_expiring_and_budget_events_reach_people_and_plugins(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink], listener: Listener
) -> None:
    _, _, sink = smtp
    enable(mailing_shop, "listener")
    buyer = user(mailing_shop, "buyer@acme.test")
    tid = mailing_shop.tenant.id
    with mailing_shop.portal.db.transaction(tid) as s:
        emit(s, tid, "points_expiring", {"user_id": buyer.id, "lot_id": 7, "points": 120,
                                         "expires_at": "2026-12-31", "days": 7})  # fmt: skip
        emit(s, tid, "budget_threshold", {"budget_id": 3, "user_ids": [buyer.id],
                                          "percent": 80, "spent": 800, "amount": 1000})  # fmt: skip
    drain(mailing_shop)
    assert sorted(m.message["Subject"] for m in sink.messages) == [
        "120 of your points expire in 7 days",
        "Budget 80% spent",
    ]
    assert sorted(topic for topic, _ in listener.seen) == ["budget_threshold", "points_expiring"]


def test_plugins_register_jobs_that_the_worker_runs(mailing_shop: Shop, listener: Listener) -> None:
    scheduler = Scheduler(mailing_shop.portal.db, mailing_shop.portal.host)
    assert {"approval_reminders", "listener_tick"} <= {j.name for j in scheduler.jobs}
    scheduler.run_due()
    assert listener.job_runs == 1
