"""The webhook pages as a tenant admin uses them: add an endpoint (secret shown once),
edit, rotate, test, read and filter the delivery log, redeliver, delete; and what must not
work: bad input, no CSRF token, a buyer, another portal's ids."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from commissary.db import row_insert, utcnow
from commissary.testing import Portal, Shop, csrf_of
from commissary_webhooks import sealing
from commissary_webhooks.models import Delivery, Endpoint
from commissary_webhooks.service import TOPICS
from commissary_webhooks.signing import verify
from tests.helpers import user
from tests.notifications.peers import HttpReceiver
from tests.plugins.webhooks.test_webhooks import (
    drain,
    order,
)


def browser(shop: Shop, email: str = "admin@acme.test") -> TestClient:
    return shop.browser(user(shop, email))


def post(client: TestClient, path: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf_of(client), **data})


def endpoint_rows(shop: Shop) -> list[Endpoint]:
    with shop.portal.db.session() as s:
        return list(s.scalars(select(Endpoint).order_by(Endpoint.id)))


def shown_secret(html: str) -> str:
    found = re.search(r'id="secret"[^>]*value="(whsec_[^"]+)"', html)
    assert found, html
    return found.group(1)


def create(client: TestClient, url: str, topics: list[str] | None = None) -> tuple[int, str]:
    r = post(client, "/t/acme/webhooks/new", url=url, topics=topics or [], active="true")
    assert r.status_code == 201, r.text
    endpoint_id = int(re.search(r"/t/acme/webhooks/(\d+)\"", r.text).group(1))  # type: ignore[union-attr]
    return endpoint_id, shown_secret(r.text)


def test_add_an_endpoint_and_see_its_secret_once(hooked: Shop, receiver: HttpReceiver) -> None:
    admin = browser(hooked)
    page = admin.get("/t/acme/webhooks")
    assert page.status_code == 200
    assert "No webhook endpoints yet" in page.text
    assert 'href="/t/acme/webhooks"' in page.text  # in the Manage menu
    form = admin.get("/t/acme/webhooks/new").text
    assert all(f'value="{t}"' in form for t in TOPICS)  # one checkbox per known topic
    r = post(
        admin,
        "/t/acme/webhooks/new",
        url=f"{receiver.url}/in",
        topics=["order_submitted", "order_shipped"],
        description="ERP import",
        active="true",
    )
    assert r.status_code == 201
    assert r.headers["cache-control"] == "no-store"
    secret = shown_secret(r.text)
    [row] = endpoint_rows(hooked)
    assert row.topics == ["order_shipped", "order_submitted"] and row.active
    assert secret not in row.secret_sealed and sealing.unseal(row.secret_sealed) == secret
    # The secret is never shown again.
    for path in [
        "/t/acme/webhooks",
        f"/t/acme/webhooks/{row.id}",
        f"/t/acme/webhooks/{row.id}/edit",
    ]:
        text = admin.get(path).text
        assert secret not in text and "ERP import" in text
    order(hooked)
    drain(hooked)
    [hit] = receiver.hits
    assert verify(
        secret,
        hit.headers["x-commissary-timestamp"],
        hit.body,
        hit.headers["x-commissary-signature"],
    )
    listing = admin.get("/t/acme/webhooks").text
    assert "Delivered" in listing and f"{receiver.url}/in" in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": ""}, "enter the URL"),
        ({"url": "ftp://files.example.com/"}, "use an http:// or https:// URL"),
        ({"url": "http://10.1.2.3/hook"}, "private address 10.1.2.3"),
        ({"url": "http://169.254.169.254/latest"}, "private address 169.254.169.254"),
        ({"url": "https://user:pw@example.com/"}, "put no credentials in the URL"),
        ({"url": "RECEIVER", "topics": ["order_submitted", "made_up"]}, "unknown topic"),
        ({"url": "RECEIVER", "description": "x" * 201}, "longer than 200"),
    ],
)
def test_bad_input_shows_the_form_again_and_stores_nothing(
    hooked: Shop, receiver: HttpReceiver, data: dict[str, Any], message: str
) -> None:
    admin = browser(hooked)
    data = {**data, "url": data["url"].replace("RECEIVER", receiver.url)}
    r = post(
        admin, "/t/acme/webhooks/new", **{"active": "true", "description": "Kept text", **data}
    )
    assert r.status_code == 422
    assert "Nothing was saved." in r.text and message.lower() in r.text.lower()
    assert "Kept text" in r.text or "x" * 201 in r.text
    if data["url"]:
        assert f'value="{data["url"]}"' in r.text  # what was typed stays
    assert endpoint_rows(hooked) == []


def test_edit_and_refused_edit(hooked: Shop, receiver: HttpReceiver) -> None:
    admin = browser(hooked)
    endpoint_id, _ = create(admin, f"{receiver.url}/a")
    r = post(
        admin,
        f"/t/acme/webhooks/{endpoint_id}/edit",
        url=f"{receiver.url}/b",
        topics=["stock_low"],
        description="Warehouse",
    )  # "active" not ticked: paused
    assert r.status_code == 303 and r.headers["location"] == f"/t/acme/webhooks/{endpoint_id}"
    [row] = endpoint_rows(hooked)
    assert (row.url, row.topics, row.description, row.active) == (
        f"{receiver.url}/b",
        ["stock_low"],
        "Warehouse",
        False,
    )
    assert "Paused" in admin.get("/t/acme/webhooks").text
    r = post(
        admin, f"/t/acme/webhooks/{endpoint_id}/edit", url="http://192.168.1.9/", active="true"
    )
    assert r.status_code == 422 and "private address 192.168.1.9" in r.text
    [same] = endpoint_rows(hooked)
    assert (same.url, same.topics, same.active) == (f"{receiver.url}/b", ["stock_low"], False)


def test_rotate_secret_shows_a_new_one_once(hooked: Shop, receiver: HttpReceiver) -> None:
    admin = browser(hooked)
    endpoint_id, first = create(admin, receiver.url)
    r = post(admin, f"/t/acme/webhooks/{endpoint_id}/secret")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    second = shown_secret(r.text)
    assert second != first and "The previous secret stopped working" in r.text
    [row] = endpoint_rows(hooked)
    assert sealing.unseal(row.secret_sealed) == second and row.secret_rotated_at is not None
    assert "secret rotated" in admin.get(f"/t/acme/webhooks/{endpoint_id}").text


def test_send_a_test_event(hooked: Shop, receiver: HttpReceiver) -> None:
    admin = browser(hooked)
    endpoint_id, secret = create(admin, f"{receiver.url}/t")
    assert "Nothing delivered yet" in admin.get(f"/t/acme/webhooks/{endpoint_id}").text
    r = post(admin, f"/t/acme/webhooks/{endpoint_id}/test")
    assert r.status_code == 303
    [hit] = receiver.hits
    assert hit.headers["x-commissary-event"] == "ping"
    assert verify(
        secret,
        hit.headers["x-commissary-timestamp"],
        hit.body,
        hit.headers["x-commissary-signature"],
    )
    assert json.loads(hit.body)["data"]["sent_by"] == "admin@acme.test"
    page = admin.get(f"/t/acme/webhooks/{endpoint_id}")
    assert "Test event: answered 200" in page.text  # the flash
    assert "Test event" in page.text and "badge-ok" in page.text
    receiver.status = 503
    post(admin, f"/t/acme/webhooks/{endpoint_id}/test")
    assert "Test event: failed after" in admin.get(f"/t/acme/webhooks/{endpoint_id}").text


def _log(shop: Shop, endpoint_id: int, n: int, every_failed: int = 3) -> None:
    rows = [
        {
            "tenant_id": shop.tenant.id,
            "endpoint_id": endpoint_id,
            "outbox_event_id": 1000 + i,
            "topic": "order_submitted",
            "ok": i % every_failed != 0,
            "status_code": 200 if i % every_failed else 500,
            "error": "" if i % every_failed else "HTTP 500",
            "request": {},
            "at": utcnow(),
            "seconds": 0.05,
        }
        for i in range(n)
    ]
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(row_insert(Delivery), rows)


def test_the_delivery_log_pages_filters_and_reads_a_fixed_number_of_statements(
    hooked: Shop, receiver: HttpReceiver, count_statements: Any
) -> None:
    admin = browser(hooked)
    endpoint_id, _ = create(admin, receiver.url)
    counts = []
    for n in (3, 60):
        with hooked.portal.db.transaction(hooked.tenant.id) as s:
            s.query(Delivery).delete()
        _log(hooked, endpoint_id, n)
        count_statements.statements.clear()
        page = admin.get(f"/t/acme/webhooks/{endpoint_id}")
        counts.append(count_statements.count)
        assert page.status_code == 200
    assert counts[0] == counts[1]  # 60 rows cost what 3 cost
    page = admin.get(f"/t/acme/webhooks/{endpoint_id}").text
    assert page.count("Redeliver</button>") == 25 and "page 1 of 3" in page
    last = admin.get(f"/t/acme/webhooks/{endpoint_id}?page=3").text
    assert last.count("Redeliver</button>") == 10
    failed = admin.get(f"/t/acme/webhooks/{endpoint_id}?failed=true").text
    assert "20 failed deliveries" in failed and failed.count("HTTP 500</td>") == 20
    assert "#1000" in failed and "#1001" not in failed
    assert admin.get(f"/t/acme/webhooks/{endpoint_id}?page=0").status_code == 422
    # An endpoint without failures says so.
    other_id, _ = create(admin, f"{receiver.url}/other")
    assert "No failed deliveries" in admin.get(f"/t/acme/webhooks/{other_id}?failed=true").text


def test_redeliver_sends_the_same_event_again(hooked: Shop, receiver: HttpReceiver) -> None:
    admin = browser(hooked)
    endpoint_id, _ = create(admin, receiver.url)
    receiver.status = 500
    placed = order(hooked)
    drain(hooked)
    with hooked.portal.db.session() as s:
        first = s.scalar(select(Delivery).where(Delivery.endpoint_id == endpoint_id))
    assert first is not None and not first.ok
    receiver.status = 200
    r = post(
        admin, f"/t/acme/webhooks/{endpoint_id}/deliveries/{first.id}/redeliver", failed="true"
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/t/acme/webhooks/{endpoint_id}?failed=true"
    assert [h.headers["x-commissary-event-id"] for h in receiver.hits] == [
        str(first.outbox_event_id)
    ] * 2
    assert json.loads(receiver.hits[1].body)["data"]["order_id"] == placed["id"]
    page = admin.get(f"/t/acme/webhooks/{endpoint_id}").text
    assert f"Event {first.outbox_event_id} sent again: answered 200" in page
    assert page.count('<td data-label="Attempts" class="num">2</td>') == 2


def test_delete(hooked: Shop, receiver: HttpReceiver) -> None:
    admin = browser(hooked)
    endpoint_id, _ = create(admin, receiver.url)
    post(admin, f"/t/acme/webhooks/{endpoint_id}/test")
    r = post(admin, f"/t/acme/webhooks/{endpoint_id}/delete")
    assert r.status_code == 303 and r.headers["location"] == "/t/acme/webhooks"
    assert endpoint_rows(hooked) == []
    with hooked.portal.db.session() as s:
        assert s.scalar(select(func.count(Delivery.id))) == 0
    assert "deleted" in admin.get("/t/acme/webhooks").text
    assert admin.get(f"/t/acme/webhooks/{endpoint_id}").status_code == 404


def test_no_csrf_no_permission_no_foreign_ids(
    hooked: Shop, portal: Portal, receiver: HttpReceiver
) -> None:
    admin = browser(hooked)
    endpoint_id, _ = create(admin, receiver.url)
    # Without the CSRF token nothing happens.
    r = admin.post("/t/acme/webhooks/new", data={"url": receiver.url, "active": "true"})
    assert r.status_code == 403
    r = admin.post(f"/t/acme/webhooks/{endpoint_id}/delete")
    assert r.status_code == 403
    assert len(endpoint_rows(hooked)) == 1
    # A buyer may not see or do anything here.
    buyer = browser(hooked, "buyer@acme.test")
    assert buyer.get("/t/acme/webhooks").status_code == 403
    assert 'href="/t/acme/webhooks"' not in buyer.get("/t/acme/catalog").text
    assert post(buyer, "/t/acme/webhooks/new", url=receiver.url).status_code == 403
    assert post(buyer, f"/t/acme/webhooks/{endpoint_id}/secret").status_code == 403
    # Another portal's admin gets 404 for every id of ours.
    other = portal.tenant("globex", plugins={"webhooks": {}})
    other.user("boss@globex.test", roles=["tenant_admin"])
    boss = other.browser(user(other, "boss@globex.test"))
    assert "No webhook endpoints yet" in boss.get("/t/globex/webhooks").text
    for path in [f"/t/globex/webhooks/{endpoint_id}", f"/t/globex/webhooks/{endpoint_id}/edit"]:
        assert boss.get(path).status_code == 404, path
    for action in ["edit", "secret", "test", "delete", "deliveries/1/redeliver"]:
        r = post(boss, f"/t/globex/webhooks/{endpoint_id}/{action}", url=receiver.url)
        assert r.status_code == 404, action
    [row] = endpoint_rows(hooked)
    assert row.url == receiver.url and receiver.hits == []
