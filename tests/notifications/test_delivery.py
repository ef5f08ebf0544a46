"""From a checkout to an e-mail in a real SMTP server: who is told, with what, and
that a failing or hanging plugin changes nothing for the others."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import select

from commissary import Context, hookimpl
from commissary.jobs.models import OutboxAttempt, OutboxEvent
from commissary.jobs.outbox import deliver_pending
from commissary.tenants.service import set_plugin_enabled
from commissary.testing import Portal, Shop
from tests.helpers import sku_id, user
from tests.notifications.peers import SmtpSink


class Flaky:
    """A plugin whose ``on_notification`` raises, or hangs past the worker's timeout."""

    def __init__(self) -> None:
        self.mode = "raise"
        self.calls = 0
        self.release = threading.Event()

    @hookimpl
    def on_notification(self, ctx: Context, event: dict[str, Any]) -> None:
        self.calls += 1
        if self.mode == "raise":
            raise RuntimeError("the flaky channel is down")
        if self.mode == "hang":
            self.release.wait(5)


@pytest.fixture
def flaky() -> Flaky:
    return Flaky()


@pytest.fixture
def commissary_plugins(flaky: Flaky) -> list[tuple[str, object]]:
    return [("flaky", flaky)]


def enable(shop: Shop, plugin: str) -> None:
    with shop.portal.db.transaction() as s:
        tenant = s.merge(shop.tenant)
        set_plugin_enabled(s, shop.portal.host, tenant, plugin, True, {})


def drain(shop: Shop, timeout: float = 5.0) -> int:
    total = 0
    while n := deliver_pending(shop.portal.db, shop.portal.host, timeout=timeout):
        total += n
    return total


def checkout(shop: Shop, code: str, quantity: int, key: str) -> dict[str, Any]:
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": quantity})
    r = api.post("/checkout", headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_an_order_waiting_for_approval_mails_buyer_and_manager(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    order = checkout(mailing_shop, "BOOT-42", 2, "k1")  # 360 points: needs approval
    drain(mailing_shop)
    by_rcpt = {m.rcpt[0]: m.message for m in sink.messages}
    assert set(by_rcpt) == {"buyer@acme.test", "manager@acme.test"}
    buyer_mail = by_rcpt["buyer@acme.test"]
    number = f"SO-{order['id']:06d}"
    assert buyer_mail["Subject"] == f"Your order {number} was received"
    assert buyer_mail["From"] == "Acme Portal <orders@acme.test>"
    assert buyer_mail["To"] == "Buyer <buyer@acme.test>"
    assert buyer_mail["Message-ID"].endswith(".acme@acme.test>")
    plain = buyer_mail.get_body(("plain",))
    html = buyer_mail.get_body(("html",))
    assert plain is not None and html is not None
    assert "360 points" in plain.get_content()
    assert "It now waits for approval." in plain.get_content()
    assert "<p>Hello Buyer,</p>" in html.get_content()
    assert by_rcpt["manager@acme.test"]["Subject"] == f"Buyer asks you to approve {number}"


def test_decisions_and_grants_are_mailed_to_the_buyer(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    order = checkout(mailing_shop, "BOOT-42", 2, "k1")
    manager = mailing_shop.api(user(mailing_shop, "manager@acme.test"))
    [line] = order["lines"]
    r = manager.post(
        f"/approvals/{order['id']}/decision",
        json={"lines": [{"line_id": line["id"], "decision": "reject", "reason": "too many"}]},
    )
    assert r.status_code == 200, r.text
    r = manager.post(
        "/wallet/grants",
        json={"user_id": user(mailing_shop, "buyer@acme.test").id, "points": 50, "reason": "kit"},
        headers={"Idempotency-Key": "g1"},
    )
    assert r.status_code == 201, r.text
    drain(mailing_shop)
    subjects = sorted(m.message["Subject"] for m in sink.messages if m.rcpt == ["buyer@acme.test"])
    number = f"SO-{order['id']:06d}"
    assert subjects == sorted(
        [
            f"Your order {number} was received",
            f"Your order {number} is rejected",
            "You received 50 points",
        ]
    )
    decided = next(m for m in sink.messages if "rejected" in m.message["Subject"])
    plain = decided.message.get_body(("plain",))
    assert plain is not None
    assert f"line {line['id']}: rejected (too many)" in plain.get_content()


def test_a_raising_channel_is_retried_alone_and_mail_still_goes_out(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink], flaky: Flaky
) -> None:
    _, _, sink = smtp
    enable(mailing_shop, "flaky")
    checkout(mailing_shop, "POLO-S", 1, "k1")  # 40 points: approved at once, buyer told
    drain(mailing_shop)
    assert [m.rcpt for m in sink.messages] == [["buyer@acme.test"]]
    with mailing_shop.portal.db.session() as s:
        attempts = s.execute(
            select(OutboxAttempt.handler, OutboxAttempt.ok, OutboxAttempt.error)
            .where(OutboxAttempt.topic == "notification")
            .order_by(OutboxAttempt.id)
        ).all()
        notification = s.scalar(select(OutboxEvent).where(OutboxEvent.topic == "notification"))
    assert notification is not None
    assert ("email", True, "") in attempts
    assert ("flaky", False, "RuntimeError: the flaky channel is down") in attempts
    assert notification.delivered_at is None
    assert "flaky: RuntimeError" in notification.last_error
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    log = admin.get("/notifications/attempts", params={"failed": True}).json()
    assert [(a["topic"], a["handler"], a["ok"]) for a in log] == [("notification", "flaky", False)]
    everything = admin.get("/notifications/attempts").json()
    assert len([a for a in everything if a["topic"] == "notification"]) == len(attempts)
    assert ("order_submitted", "commissary.notifications", True) in [
        (a["topic"], a["handler"], a["ok"]) for a in everything
    ]
    buyer = mailing_shop.api(user(mailing_shop, "buyer@acme.test"))
    assert buyer.get("/notifications/attempts").status_code == 403
    # The retry, once the plugin recovers, calls only the channel that failed.
    flaky.mode = "ok"
    with mailing_shop.portal.db.transaction() as s:
        s.execute(
            OutboxEvent.__table__.update()
            .where(OutboxEvent.id == notification.id)
            .values(available_at=notification.created_at)
        )
    drain(mailing_shop)
    assert len(sink.messages) == 1  # e-mail was not sent twice
    with mailing_shop.portal.db.session() as s:
        done = s.get(OutboxEvent, notification.id)
        assert done is not None and done.delivered_at is not None


def test_a_hanging_channel_times_out_without_holding_up_checkout_or_mail(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink], flaky: Flaky
) -> None:
    _, _, sink = smtp
    flaky.mode = "hang"
    enable(mailing_shop, "flaky")
    started = time.monotonic()
    checkout(mailing_shop, "POLO-S", 1, "k1")
    assert time.monotonic() - started < 2  # checkout never waits for plugins
    started = time.monotonic()
    drain(mailing_shop, timeout=0.5)
    assert time.monotonic() - started < 3
    flaky.release.set()
    assert [m.rcpt for m in sink.messages] == [["buyer@acme.test"]]
    with mailing_shop.portal.db.session() as s:
        errors = s.scalars(
            select(OutboxAttempt.error).where(
                OutboxAttempt.handler == "flaky", OutboxAttempt.ok.is_(False)
            )
        ).all()
    assert errors == ["timed out after 0.5s"]


def test_without_a_channel_nothing_is_rendered(portal: Portal) -> None:
    shop = portal.tenant("plain", plugins={"allowance": {}})
    store = shop.location("S1")
    buyer = shop.user("b@plain.test", location=store, points=500)
    [polo] = shop.product("Polo", [("POLO", 40, 10)])
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": polo, "quantity": 1})
    assert api.post("/checkout", headers={"Idempotency-Key": "1"}).status_code == 201
    drain(shop)
    with portal.db.session() as s:
        topics = s.scalars(select(OutboxEvent.topic)).all()
    assert topics == ["order_submitted"]


def test_muted_optional_notifications_are_not_sent_but_required_ones_are(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    buyer = mailing_shop.api(user(mailing_shop, "buyer@acme.test"))
    r = buyer.put("/notifications/preferences", json={"kind": "order_submitted", "muted": True})
    assert r.status_code == 200, r.text
    r = buyer.put("/notifications/preferences", json={"kind": "order_decided", "muted": True})
    assert r.status_code == 422
    r = buyer.put("/notifications/preferences", json={"kind": "nope", "muted": True})
    assert r.status_code == 404
    prefs = {p["kind"]: p["muted"] for p in buyer.get("/notifications/preferences").json()}
    assert prefs["order_submitted"] is True and prefs["order_decided"] is False
    checkout(mailing_shop, "BOOT-42", 2, "k1")
    drain(mailing_shop)
    assert [m.rcpt for m in sink.messages] == [["manager@acme.test"]]


def test_a_batch_stops_before_its_lease_could_run_out(
    mailing_shop: Shop, flaky: Flaky, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from commissary.jobs import outbox
    from commissary.jobs.outbox import emit

    enable(mailing_shop, "flaky")
    flaky.mode = "hang"
    with mailing_shop.portal.db.transaction(mailing_shop.tenant.id) as s:
        for i in range(3):
            emit(s, mailing_shop.tenant.id, "notification", {"id": f"x{i}", "email": ""})
    # A 6.5 s lease leaves 1.5 s for handlers: one hanging handler (0.6 s) fits, two do not.
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=6.5))
    try:
        assert deliver_pending(mailing_shop.portal.db, mailing_shop.portal.host, timeout=0.6) == 0
    finally:
        flaky.release.set()
    with mailing_shop.portal.db.session() as s:
        rows = s.execute(
            select(OutboxEvent.attempts, OutboxEvent.locked_until, OutboxEvent.last_error).order_by(
                OutboxEvent.id
            )
        ).all()
    assert [(a, lock is None) for a, lock, _ in rows] == [(1, True), (1, True), (0, True)]
    assert "flaky: timed out" in rows[0][2] and "flaky: timed out" in rows[1][2]
    assert rows[2][2] == ""  # never started: back in the queue at once
