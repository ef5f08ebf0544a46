"""Signed webhooks against a real HTTP receiver on 127.0.0.1: headers and signature,
topic filters, retries that skip endpoints already served, the delivery log, and the
private-address check."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from commissary.jobs.models import OutboxEvent
from commissary.jobs.outbox import deliver_pending
from commissary.testing import Portal, Shop
from commissary_webhooks.addresses import ENV, Refused, check_url
from commissary_webhooks.signing import sign, verify
from tests.helpers import sku_id, user
from tests.notifications.peers import HttpReceiver

LOCAL = '["127.0.0.1/32"]'


def admin(shop: Shop):  # type: ignore[no-untyped-def]
    return shop.api(user(shop, "admin@acme.test"))


def add_endpoint(shop: Shop, url: str, topics: list[str] | None = None) -> dict[str, Any]:
    r = admin(shop).post("/webhooks/endpoints", json={"url": url, "topics": topics or []})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def order(shop: Shop, key: str = "k1") -> dict[str, Any]:
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    r = api.post("/checkout", headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def drain(shop: Shop) -> None:
    while deliver_pending(shop.portal.db, shop.portal.host, timeout=10):
        pass


def make_due(shop: Shop) -> None:
    with shop.portal.db.transaction() as s:
        s.execute(update(OutboxEvent).values(available_at=OutboxEvent.created_at))


def test_an_event_arrives_signed_with_its_headers(hooked: Shop, receiver: HttpReceiver) -> None:
    endpoint = add_endpoint(hooked, f"{receiver.url}/hooks/orders", ["order_submitted"])
    assert endpoint["secret"].startswith("whsec_")
    placed = order(hooked)
    drain(hooked)
    [hit] = receiver.hits
    assert hit.path == "/hooks/orders"
    assert hit.headers["content-type"] == "application/json"
    assert hit.headers["x-commissary-event"] == "order_submitted"
    assert verify(
        endpoint["secret"],
        hit.headers["x-commissary-timestamp"],
        hit.body,
        hit.headers["x-commissary-signature"],
    )
    body = json.loads(hit.body)
    assert body["topic"] == "order_submitted" and body["tenant"] == "acme"
    assert body["id"] == int(hit.headers["x-commissary-event-id"])
    assert body["data"]["order_id"] == placed["id"]
    assert body["data"]["total_points"] == 40
    # A receiver refuses a tampered body, a wrong secret and an old timestamp.
    ts = hit.headers["x-commissary-timestamp"]
    assert not verify(
        endpoint["secret"], ts, hit.body + b" ", hit.headers["x-commissary-signature"]
    )
    assert not verify("whsec_other", ts, hit.body, hit.headers["x-commissary-signature"])
    old = str(int(ts) - 3600)
    assert not verify(
        endpoint["secret"], old, hit.body, sign(endpoint["secret"], int(old), hit.body)
    )
    log = admin(hooked).get(f"/webhooks/endpoints/{endpoint['id']}/deliveries").json()
    assert [(d["topic"], d["ok"], d["status_code"]) for d in log] == [
        ("order_submitted", True, 200)
    ]


def test_topic_filters(hooked: Shop, receiver: HttpReceiver) -> None:
    add_endpoint(hooked, f"{receiver.url}/decided", ["order_decided"])
    add_endpoint(hooked, f"{receiver.url}/all")
    order(hooked)
    drain(hooked)
    assert [h.path for h in receiver.hits] == ["/all"]


def test_a_failing_endpoint_is_retried_alone_and_logged(
    hooked: Shop, receiver: HttpReceiver
) -> None:
    good = HttpReceiver()
    try:
        failing = add_endpoint(hooked, f"{receiver.url}/down")
        add_endpoint(hooked, f"{good.url}/up")
        receiver.status = 500
        order(hooked)
        drain(hooked)
        assert len(good.hits) == 1 and len(receiver.hits) == 1
        with hooked.portal.db.session() as s:
            event = s.scalar(select(OutboxEvent).where(OutboxEvent.topic == "order_submitted"))
        assert event is not None and event.delivered_at is None
        assert f"endpoint {failing['id']}: HTTP 500" in event.last_error
        receiver.status = 204
        make_due(hooked)
        drain(hooked)
        assert len(good.hits) == 1  # not sent again
        assert len(receiver.hits) == 2
        ids = {h.headers["x-commissary-event-id"] for h in [*receiver.hits, *good.hits]}
        assert len(ids) == 1  # the same event id on every attempt
        log = admin(hooked).get(f"/webhooks/endpoints/{failing['id']}/deliveries").json()
        assert [(d["ok"], d["status_code"], d["error"]) for d in reversed(log)] == [
            (False, 500, "HTTP 500"),
            (True, 204, ""),
        ]
    finally:
        good.stop()


def test_private_addresses_are_refused_unless_allowed(
    hooked: Shop, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = add_endpoint(hooked, f"{receiver.url}/x")
    monkeypatch.delenv(ENV)
    for url in [receiver.url, "http://10.1.2.3/", "http://169.254.169.254/latest", "http://[::1]/"]:
        r = admin(hooked).post("/webhooks/endpoints", json={"url": url})
        assert r.status_code == 422, url
        assert "private address" in r.json()["error"]["message"]
    order(hooked)
    drain(hooked)  # the endpoint saved while allowed is refused at delivery now
    assert receiver.hits == []
    [entry] = admin(hooked).get(f"/webhooks/endpoints/{endpoint['id']}/deliveries").json()
    assert entry["ok"] is False and entry["error"].startswith("refused:")
    with pytest.raises(Refused):
        check_url("ftp://example.com/")
    with pytest.raises(Refused):
        check_url("http://user:pw@example.com/")


def test_bad_input_and_other_tenants(hooked: Shop, portal: Portal, receiver: HttpReceiver) -> None:
    api = admin(hooked)
    assert (
        api.post("/webhooks/endpoints", json={"url": receiver.url, "topics": ["nope"]}).status_code
        == 422
    )
    assert api.post("/webhooks/endpoints", json={"url": "not a url"}).status_code == 422
    assert api.post("/webhooks/endpoints", json={"url": receiver.url, "x": 1}).status_code == 422
    buyer = hooked.api(user(hooked, "buyer@acme.test"))
    assert buyer.get("/webhooks/endpoints").status_code == 403
    mine = add_endpoint(hooked, receiver.url)
    other = portal.tenant("globex", plugins={"webhooks": {}})
    boss = other.api(other.user("boss@globex.test", roles=["tenant_admin"]))
    assert boss.get("/webhooks/endpoints").json() == []
    assert boss.get(f"/webhooks/endpoints/{mine['id']}/deliveries").status_code == 404
    assert boss.delete(f"/webhooks/endpoints/{mine['id']}").status_code == 404
    assert "secret" not in api.get("/webhooks/endpoints").json()[0]
    assert api.delete(f"/webhooks/endpoints/{mine['id']}").status_code == 204
    plain = portal.tenant("plain", plugins={})
    outsider = plain.api(plain.user("a@plain.test", roles=["tenant_admin"]))
    assert outsider.get("/webhooks/endpoints").status_code == 404  # not enabled there
