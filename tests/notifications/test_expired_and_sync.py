"""``points_expired`` and ``sync_failed``: written with the change that causes them, mailed
to the right people once, forwarded to plugins."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from commissary import Context, hookimpl, report_sync_failure
from commissary.db import utcnow
from commissary.jobs.models import OutboxEvent
from commissary.testing import Shop
from commissary_allowance import service as allowance
from commissary_allowance.jobs import expire_all
from tests.helpers import user, wallet
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import drain, enable


class Listener:
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def on_points_expired(self, ctx: Context, event: dict[str, Any]) -> None:
        self.seen.append(("points_expired", dict(event)))

    @hookimpl
    def on_sync_failed(self, ctx: Context, event: dict[str, Any]) -> None:
        self.seen.append(("sync_failed", dict(event)))


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def commissary_plugins(listener: Listener) -> list[tuple[str, object]]:
    return [("listener", listener)]


def events(shop: Shop, topic: str) -> int:
    with shop.portal.db.session() as s:
        return s.scalar(select(func.count()).where(OutboxEvent.topic == topic)) or 0


def test_expired_points_are_mailed_once_even_when_two_expiry_runs_overlap(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink], listener: Listener
) -> None:
    _, _, sink = smtp
    enable(mailing_shop, "listener")
    buyer = user(mailing_shop, "buyer@acme.test")
    tid = mailing_shop.tenant.id
    with mailing_shop.portal.db.transaction(tid) as s:
        for key, points, days in (("a", 70, 1), ("b", 30, 2), ("later", 50, 30)):
            allowance.credit(
                s, tid, buyer.id, points, key=key, reason="season",
                expires_at=utcnow() + timedelta(days=days),
            )  # fmt: skip
    drain(mailing_shop)
    sink.messages.clear()
    before = wallet(mailing_shop.portal.db, tid, buyer.id)[0]

    later = utcnow() + timedelta(days=3)
    db = mailing_shop.portal.db
    results: list[int] = []
    runs = [
        threading.Thread(target=lambda: results.append(expire_all(db.transaction, later)))
        for _ in range(2)
    ]
    for t in runs:
        t.start()
    for t in runs:
        t.join(30)
    assert sorted(results) == [0, 100]  # one run took both lots, the other found nothing
    assert expire_all(db.transaction, later) == 0
    assert wallet(db, tid, buyer.id)[0] == before - 100
    assert events(mailing_shop, "points_expired") == 2  # one per lot

    drain(mailing_shop)
    assert sorted((m.rcpt[0], m.message["Subject"]) for m in sink.messages) == [
        ("buyer@acme.test", "30 of your points expired"),
        ("buyer@acme.test", "70 of your points expired"),
    ]
    seen = sorted(e["points"] for topic, e in listener.seen if topic == "points_expired")
    assert seen == [30, 70]
    assert {e["user_id"] for _, e in listener.seen} == {buyer.id}


def test_a_muted_expiry_message_is_not_mailed(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    buyer = user(mailing_shop, "buyer@acme.test")
    r = mailing_shop.api(buyer).put(
        "/notifications/preferences", json={"kind": "points_expired", "muted": True}
    )
    assert r.status_code == 200, r.text
    tid = mailing_shop.tenant.id
    with mailing_shop.portal.db.transaction(tid) as s:
        allowance.credit(s, tid, buyer.id, 5, key="k", reason="x",
                         expires_at=utcnow() + timedelta(days=1))  # fmt: skip
    drain(mailing_shop)
    sink.messages.clear()
    assert expire_all(mailing_shop.portal.db.transaction, utcnow() + timedelta(days=2)) == 5
    drain(mailing_shop)
    assert sink.messages == []


BAD_CSV = "code,name,parent_code\nS1,Store one,\nS2,Store two,NOPE\n"


def test_a_refused_locations_import_tells_the_tenant_admins(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink], listener: Listener
) -> None:
    _, _, sink = smtp
    enable(mailing_shop, "listener")
    mailing_shop.user("admin2@acme.test", roles=["tenant_admin"])
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    drain(mailing_shop)
    sink.messages.clear()

    # A preview (dry run) with errors is no failed sync.
    r = admin.post("/locations/import", json={"csv": BAD_CSV, "dry_run": True})
    assert r.status_code == 200 and r.json()["errors"]
    assert events(mailing_shop, "sync_failed") == 0

    r = admin.post("/locations/import", json={"csv": BAD_CSV, "dry_run": False})
    assert r.status_code == 200, r.text
    assert r.json()["errors"] == [
        {"line": 3, "message": "there is no location NOPE to place it under"}
    ]
    assert events(mailing_shop, "sync_failed") == 1
    drain(mailing_shop)
    assert sorted(m.rcpt[0] for m in sink.messages) == ["admin2@acme.test", "admin@acme.test"]
    mail = sink.messages[0].message
    assert mail["Subject"] == "locations import sync failed"
    text = mail.get_body(("plain",)).get_content()
    assert "line 3: there is no location NOPE to place it under" in text
    assert "nothing was imported" in text
    [(_, event)] = listener.seen
    assert event["source"] == "locations import" and "line 3" in event["detail"]

    # The same source failing again within the hour reaches plugins, not the inboxes.
    sink.messages.clear()
    r = admin.post("/locations/import", json={"csv": BAD_CSV, "dry_run": False})
    assert r.status_code == 200
    drain(mailing_shop)
    assert len(listener.seen) == 2
    assert sink.messages == []


def test_an_integration_plugin_reports_a_failed_sync(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink], listener: Listener
) -> None:
    _, _, sink = smtp
    enable(mailing_shop, "listener")
    tid = mailing_shop.tenant.id
    with mailing_shop.portal.db.transaction(tid) as s:
        report_sync_failure(s, "ERP   orders", "HTTP 503 from erp.example: " + "x" * 5000)
    with pytest.raises(RuntimeError), mailing_shop.portal.db.transaction(tid) as s:
        report_sync_failure(s, "supplier feed", "timeout")
        raise RuntimeError("the run's transaction rolls back: its report with it")
    drain(mailing_shop)
    [(topic, event)] = listener.seen
    assert (topic, event["source"]) == ("sync_failed", "ERP orders")
    assert len(event["detail"]) == 2000
    assert [m.message["Subject"] for m in sink.messages] == ["ERP orders sync failed"]
    with mailing_shop.portal.db.session() as s, pytest.raises(ValueError):
        report_sync_failure(s, "x", "no tenant")
