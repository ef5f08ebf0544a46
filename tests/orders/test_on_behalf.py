"""A manager orders for a person they manage: the order is that person's, and says who."""

from __future__ import annotations

from commissary.testing import Shop
from tests.helpers import order_count, sku_id, stock, user, wallet


def test_a_manager_orders_for_a_buyer_from_the_buyers_allowance(shop: Shop) -> None:
    manager = user(shop, "manager@acme.test")
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(manager)
    people = api.get("/orders/on-behalf/people").json()
    assert [p["email"] for p in people] == ["buyer@acme.test"]
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 2})
    r = api.post("/checkout", json={"on_behalf_of": buyer.id}, headers={"Idempotency-Key": "for-b"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert (order["buyer_id"], order["placed_by_id"]) == (buyer.id, manager.id)
    assert order["location_id"] == shop.locations["N1"].id
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (920, 0, 80)
    assert wallet(shop.portal.db, shop.tenant.id, manager.id) == (0, 0, 0)
    assert stock(shop, "POLO-S") == (10, 2)
    # Both see it; the manager's cart is consumed; a retry gives the same order.
    assert shop.api(buyer).get(f"/orders/{order['id']}").status_code == 200
    assert [o["id"] for o in api.get("/orders").json()] == [order["id"]]
    assert api.get("/cart").json()["lines"] == []
    again = api.post(
        "/checkout", json={"on_behalf_of": buyer.id}, headers={"Idempotency-Key": "for-b"}
    )
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    history = api.get(f"/orders/{order['id']}/history").json()
    assert history[0]["kind"] == "submitted"


def test_approval_rules_apply_as_for_the_buyer(shop: Shop) -> None:
    manager = user(shop, "manager@acme.test")
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(manager)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 2})
    r = api.post("/checkout", json={"on_behalf_of": buyer.id}, headers={"Idempotency-Key": "x"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending_approval"
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (640, 360, 0)


def test_nobody_orders_for_people_they_do_not_manage(shop: Shop) -> None:
    west = shop.location("W1", "West Store")
    stranger = shop.user("stranger@acme.test", location=west, points=100)
    manager = user(shop, "manager@acme.test")
    api = shop.api(manager)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    r = api.post("/checkout", json={"on_behalf_of": stranger.id}, headers={"Idempotency-Key": "s"})
    assert r.status_code == 404
    buyer = user(shop, "buyer@acme.test")
    as_buyer = shop.api(buyer)
    as_buyer.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    r = as_buyer.post(
        "/checkout", json={"on_behalf_of": manager.id}, headers={"Idempotency-Key": "b"}
    )
    assert r.status_code == 403
    assert order_count(shop) == 0
    assert stock(shop, "POLO-S") == (10, 0)
