"""Digests: the kinds a tenant batches wait for one message per person and period."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from commissary.notifications.digest import send_digests
from commissary.notifications.models import DigestItem
from commissary.testing import Shop, csrf_of
from tests.helpers import user
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import checkout, drain


def test_digested_kinds_arrive_together_once(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    r = admin.put("/notifications/digest", json={"kinds": ["order_submitted", "points_granted"]})
    assert r.status_code == 200, r.text
    assert admin.get("/notifications/digest").json() == {
        "kinds": ["order_submitted", "points_granted"]
    }
    first = checkout(mailing_shop, "POLO-S", 1, "k1")
    second = checkout(mailing_shop, "POLO-S", 1, "k2")
    drain(mailing_shop)
    assert sink.messages == []  # waiting for the digest
    db, host = mailing_shop.portal.db, mailing_shop.portal.host
    assert send_digests(db, host) == 0  # not a day old yet
    results: list[int] = []
    runs = [
        threading.Thread(target=lambda: results.append(send_digests(db, host, timedelta(0))))
        for _ in range(2)
    ]
    for t in runs:
        t.start()
    for t in runs:
        t.join(30)
    assert sorted(results) == [0, 1]  # two overlapping runs: one digest
    drain(mailing_shop)
    [mail] = sink.messages
    assert mail.rcpt == ["buyer@acme.test"]
    assert mail.message["Subject"] == "2 updates from Acme"
    plain = mail.message.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    for order in (first, second):
        assert f"* Your order SO-{order['id']:06d} was received" in text
    assert send_digests(db, host, timedelta(0)) == 0
    with db.session() as s:
        waiting = s.scalar(
            select(func.count()).select_from(DigestItem).where(DigestItem.sent_at.is_(None))
        )
    assert waiting == 0


def test_kinds_not_digested_go_at_once_and_bad_choices_are_refused(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    assert admin.put("/notifications/digest", json={"kinds": ["nope"]}).status_code == 404
    assert admin.put("/notifications/digest", json={"kinds": ["digest"]}).status_code == 422
    assert admin.get("/notifications/digest").json() == {"kinds": []}
    buyer = mailing_shop.api(user(mailing_shop, "buyer@acme.test"))
    assert buyer.put("/notifications/digest", json={"kinds": []}).status_code == 403
    admin.put("/notifications/digest", json={"kinds": ["points_granted"]})
    checkout(mailing_shop, "POLO-S", 1, "k1")
    drain(mailing_shop)
    assert len(sink.messages) == 1


def test_the_digest_form(mailing_shop: Shop) -> None:
    browser = mailing_shop.browser(user(mailing_shop, "admin@acme.test"))
    assert "once per digest period (daily)" in browser.get("/t/acme/notifications/templates").text
    r = browser.post(
        "/t/acme/notifications/digest",
        data={"csrf_token": csrf_of(browser), "digest": ["order_submitted"]},
    )
    assert r.status_code == 303
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    assert admin.get("/notifications/digest").json() == {"kinds": ["order_submitted"]}
