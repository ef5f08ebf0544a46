"""Bulk grants from CSV (all rows or none) and buyers' requests for more points."""

from __future__ import annotations

from commissary.testing import Shop, csrf_of
from tests.helpers import user
from tests.plugins.allowance.support import wallets

GOOD = "email,points,reason\nbuyer@acme.test,100,Winter kit\nb2@acme.test,50,Welcome\n"


def _bulk(shop: Shop, body: str, key: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    manager = shop.api(user(shop, "manager@acme.test"))
    r = manager.post(
        "/wallet/grants/bulk",
        content=body.encode(),
        headers={"Idempotency-Key": key, "Content-Type": "text/csv"},
    )
    return r.status_code, r.json()


def test_a_csv_grants_every_row_once(shop: Shop) -> None:
    b2 = shop.user("b2@acme.test", location=shop.locations["S1"])
    buyer = user(shop, "buyer@acme.test")
    assert _bulk(shop, GOOD, "k1") == (201, {"people": 2, "points": 150, "replayed": False})
    assert _bulk(shop, GOOD, "k1") == (201, {"people": 2, "points": 150, "replayed": True})
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1100, 0, 0)}
    assert wallets(shop.portal.db, shop.tenant.id, b2.id) == {0: (50, 0, 0)}


def test_a_bad_row_changes_nothing_and_is_named(shop: Shop) -> None:
    shop.user("b2@acme.test", location=shop.locations["S1"])
    stranger = shop.user("stranger@acme.test")  # nobody's person
    buyer = user(shop, "buyer@acme.test")
    cases = {
        GOOD + "b2@acme.test,abc,x\n": "row 4: points must be a whole number",
        GOOD + "b2@acme.test,0,x\n": "row 4: a grant is between 1 and 10,000 points",
        GOOD + "b2@acme.test,5,\n": "row 4: say why you grant the points",
        GOOD + f"{stranger.email},5,x\n": "row 4: stranger@acme.test is not one of your people",
        "mail,points\nx,1\n": "row 1: the header needs the columns email, points, reason",
        "email,points,reason,expires_on\nb2@acme.test,5,x,2001-01-01\n": (
            "row 2: expires_on must lie in the future"
        ),
    }
    for i, (body, message) in enumerate(cases.items()):
        status, reply = _bulk(shop, body, f"bad{i}")
        assert status == 422, reply
        assert message in reply["error"]["message"], reply
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1000, 0, 0)}


def test_nothing_is_granted_when_the_last_row_is_bad(shop: Shop) -> None:
    shop.user("b2@acme.test", location=shop.locations["S1"])
    buyer = user(shop, "buyer@acme.test")
    status, reply = _bulk(shop, GOOD + "nobody@acme.test,5,x\n", "k")
    assert status == 422 and "row 4" in reply["error"]["message"]
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1000, 0, 0)}


def test_bulk_upload_from_the_grant_page(shop: Shop) -> None:
    shop.user("b2@acme.test", location=shop.locations["S1"])
    buyer = user(shop, "buyer@acme.test")
    page = shop.browser(user(shop, "manager@acme.test"))
    assert "Grant from a file" in page.get("/t/acme/wallet/grant").text
    bad = page.post(
        "/t/acme/wallet/grant/bulk",
        data={"csrf_token": csrf_of(page), "bulk_key": "p1"},
        files={"file": ("g.csv", GOOD + "x@y.z,1,x\n", "text/csv")},
    )
    assert bad.status_code == 422 and "Row 4: x@y.z is not one of your people" in bad.text
    ok = page.post(
        "/t/acme/wallet/grant/bulk",
        data={"csrf_token": csrf_of(page), "bulk_key": "p2"},
        files={"file": ("g.csv", GOOD, "text/csv")},
    )
    assert ok.status_code == 303
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1100, 0, 0)}


def test_a_request_for_points_is_approved_by_the_manager(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    mine = shop.api(buyer)
    r = mine.post("/wallet/requests", json={"points": 200, "reason": "New starter kit"})
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]
    manager = shop.api(user(shop, "manager@acme.test"))
    assert [x["id"] for x in manager.get("/wallet/requests/inbox").json()] == [request_id]
    assert mine.get("/wallet/requests/inbox").status_code == 403
    r = manager.post(f"/wallet/requests/{request_id}/approve", json={})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    again = manager.post(f"/wallet/requests/{request_id}/approve", json={})
    assert again.status_code == 409  # decided once
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1200, 0, 0)}
    assert mine.get("/wallet/requests").json()[0]["status"] == "approved"


def test_a_declined_request_needs_a_note_and_grants_nothing(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    mine = shop.api(buyer)
    request_id = mine.post("/wallet/requests", json={"points": 50, "reason": "more"}).json()["id"]
    manager = shop.api(user(shop, "manager@acme.test"))
    url = f"/wallet/requests/{request_id}/decline"
    assert manager.post(url, json={"note": "  "}).status_code == 422
    r = manager.post(url, json={"note": "your kit is complete"})
    assert r.status_code == 200 and r.json()["decision_note"] == "your kit is complete"
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1000, 0, 0)}
    assert mine.post("/wallet/requests", json={"points": 0, "reason": "x"}).status_code == 422


def test_another_tenants_request_is_404(shop: Shop) -> None:
    other = shop.portal.tenant("globex")
    boss = other.user("boss@globex.test", roles=["tenant_admin"])
    buyer = user(shop, "buyer@acme.test")
    request_id = (
        shop.api(buyer).post("/wallet/requests", json={"points": 5, "reason": "x"}).json()["id"]
    )
    r = other.api(boss).post(f"/wallet/requests/{request_id}/approve", json={})
    assert r.status_code == 404
    stranger_manager = shop.api(shop.user("m2@acme.test", roles=["manager"]))
    assert (
        stranger_manager.post(f"/wallet/requests/{request_id}/approve", json={}).status_code == 404
    )


def test_request_flow_through_the_pages(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    page = shop.browser(buyer)
    assert "Ask my manager" in page.get("/t/acme/wallet").text
    r = page.post(
        "/t/acme/wallet/requests",
        data={"csrf_token": csrf_of(page), "points": "120", "reason": "Rain jacket"},
    )
    assert r.status_code == 303
    manager = shop.browser(user(shop, "manager@acme.test"))
    inbox = manager.get("/t/acme/wallet/requests")
    assert inbox.status_code == 200 and "Rain jacket" in inbox.text
    request_id = shop.api(buyer).get("/wallet/requests").json()[0]["id"]
    decline = manager.post(
        f"/t/acme/wallet/requests/{request_id}/decide",
        data={"csrf_token": csrf_of(manager), "decision": "decline", "note": ""},
    )
    assert decline.status_code == 422 and "Say why you decline" in decline.text
    r = manager.post(
        f"/t/acme/wallet/requests/{request_id}/decide",
        data={"csrf_token": csrf_of(manager), "decision": "approve", "note": ""},
    )
    assert r.status_code == 303
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1120, 0, 0)}
    assert "Granted" in page.get("/t/acme/wallet").text
