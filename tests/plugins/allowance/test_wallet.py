"""The allowance plugin: wallets, grants and the ledger."""

from __future__ import annotations

from commissary.testing import Shop
from tests.helpers import user, wallet


def test_manager_grants_points_with_a_reason_and_the_buyer_sees_them(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    manager = shop.api(user(shop, "manager@acme.test"))
    people = manager.get("/wallet/people").json()
    assert {p["email"]: p["available"] for p in people} == {"buyer@acme.test": 1000}
    r = manager.post(
        "/wallet/grants",
        json={"user_id": buyer.id, "points": 250, "reason": "Winter top-up"},
        headers={"Idempotency-Key": "g1"},
    )
    assert r.status_code == 201, r.text
    mine = shop.api(buyer)
    assert mine.get("/wallet").json() == {
        "user_id": buyer.id,
        "available": 1250,
        "held": 0,
        "spent": 0,
        "label": "points",
        "wallets": [
            {
                "program_id": 0,
                "program": "General",
                "category_ids": [],
                "available": 1250,
                "held": 0,
                "spent": 0,
            }
        ],
    }
    newest = mine.get("/wallet/entries").json()[0]
    assert (newest["kind"], newest["available_delta"], newest["reason"]) == (
        "grant",
        250,
        "Winter top-up",
    )


def test_a_retried_grant_grants_once(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    manager = shop.api(user(shop, "manager@acme.test"))
    body = {"user_id": buyer.id, "points": 100, "reason": "bonus"}
    first = manager.post("/wallet/grants", json=body, headers={"Idempotency-Key": "same"})
    second = manager.post("/wallet/grants", json=body, headers={"Idempotency-Key": "same"})
    assert first.json()["id"] == second.json()["id"]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id)[0] == 1100


def test_bad_grants_are_refused(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    manager = shop.api(user(shop, "manager@acme.test"))

    def grant(body: dict, key: str) -> int:  # type: ignore[type-arg]
        return manager.post(
            "/wallet/grants", json=body, headers={"Idempotency-Key": key}
        ).status_code

    assert grant({"user_id": buyer.id, "points": 0, "reason": "x"}, "a") == 422
    assert grant({"user_id": buyer.id, "points": -5, "reason": "x"}, "b") == 422
    assert grant({"user_id": buyer.id, "points": 10, "reason": ""}, "c") == 422
    assert grant({"user_id": buyer.id, "points": 10, "reason": "   "}, "c2") == 422
    assert grant({"user_id": buyer.id, "points": 10_001, "reason": "x"}, "d") == 422
    assert grant({"user_id": 424242, "points": 10, "reason": "x"}, "e") == 404
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)


def test_managers_grant_only_to_their_own_people(shop: Shop) -> None:
    stranger = shop.user("stranger@acme.test")  # no location: not managed by anyone
    manager = shop.api(user(shop, "manager@acme.test"))
    r = manager.post(
        "/wallet/grants",
        json={"user_id": stranger.id, "points": 10, "reason": "x"},
        headers={"Idempotency-Key": "s"},
    )
    assert r.status_code == 404
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    r = admin.post(
        "/wallet/grants",
        json={"user_id": stranger.id, "points": 10, "reason": "welcome"},
        headers={"Idempotency-Key": "s"},
    )
    assert r.status_code == 201
