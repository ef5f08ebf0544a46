"""Cart and checkout through the API: the order, its stock and its points move together."""

from __future__ import annotations

from commissary.testing import Shop
from tests.helpers import order_count, sku_id, stock, user, wallet


def _fill(api, shop: Shop, *lines: tuple[str, int]) -> None:  # type: ignore[no-untyped-def]
    for code, qty in lines:
        r = api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": qty})
        assert r.status_code == 201, r.text


def test_order_above_threshold_waits_for_approval_with_points_held(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-S", 2), ("BOOT-42", 2))
    r = api.post("/checkout", headers={"Idempotency-Key": "order-1"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "pending_approval"
    assert order["total_points"] == 2 * 40 + 2 * 180
    assert [line["status"] for line in order["lines"]] == ["pending", "pending"]
    assert "above the 300 pts limit" in order["approval"][0]["reason"]
    assert order["ship_to"].startswith("North Store")
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000 - 440, 440, 0)
    assert stock(shop, "BOOT-42") == (5, 2)
    assert api.get("/cart").json()["lines"] == []


def test_order_under_threshold_is_approved_and_paid_at_once(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-M", 3))
    order = api.post("/checkout", headers={"Idempotency-Key": "small"}).json()
    assert order["status"] == "approved"
    assert {line["status"] for line in order["lines"]} == {"approved"}
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000 - 120, 0, 120)


def test_same_idempotency_key_returns_the_same_order_and_charges_once(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-S", 1))
    first = api.post("/checkout", headers={"Idempotency-Key": "retry-me"})
    _fill(api, shop, ("POLO-M", 1))  # a new cart must not turn the retry into a new order
    again = api.post("/checkout", headers={"Idempotency-Key": "retry-me"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert order_count(shop) == 1
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (960, 0, 40)
    assert len(api.get("/cart").json()["lines"]) == 1


def test_same_key_with_another_body_is_refused_and_changes_nothing(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-S", 1))
    assert api.post("/checkout", headers={"Idempotency-Key": "k"}).status_code == 201
    _fill(api, shop, ("POLO-M", 1))
    r = api.post("/checkout", headers={"Idempotency-Key": "k"}, json={"note": "different"})
    assert r.status_code == 422
    assert "different request body" in r.json()["error"]["message"]
    assert order_count(shop) == 1


def test_short_points_is_a_clear_409_and_nothing_changes(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("BOOT-42", 5), ("POLO-S", 5))  # 900 + 200 > 1000
    r = api.post("/checkout", headers={"Idempotency-Key": "too-much"})
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "insufficient_funds",
        "message": "You have 1,000 points; this order needs 1,100.",
        "detail": {"code": "insufficient_points"},
    }
    assert order_count(shop) == 0
    assert stock(shop, "BOOT-42") == (5, 0)
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)
    assert len(api.get("/cart").json()["lines"]) == 2
    # the key was not used up: the same key works once the cart is fixed
    cart = api.get("/cart").json()["lines"]
    api.delete(f"/cart/lines/{cart[0]['id']}")
    assert api.post("/checkout", headers={"Idempotency-Key": "too-much"}).status_code == 201


def test_short_stock_names_the_sku_and_nothing_changes(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-S", 1), ("HELM", 2))
    r = api.post("/checkout", headers={"Idempotency-Key": "x"})
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "not enough stock for HELM (only 1 available)"
    assert stock(shop, "POLO-S") == (10, 0)
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)
    assert order_count(shop) == 0


def test_bad_inputs_get_clear_errors(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    polo = sku_id(shop, "POLO-S")
    assert api.post("/checkout", headers={"Idempotency-Key": "e"}).json()["error"]["message"] == (
        "your cart is empty"
    )
    r = api.post("/cart/lines", json={"sku_id": polo, "quantity": 0})
    assert r.status_code == 422 and "quantity" in r.json()["error"]["message"]
    assert api.post("/cart/lines", json={"sku_id": 999_999, "quantity": 1}).status_code == 404
    assert api.post("/cart/lines", json={"sku_id": "abc", "quantity": 1}).status_code == 422
    _fill(api, shop, ("POLO-S", 1))
    r = api.post("/checkout")
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["error"]["message"]
    assert api.post("/checkout", headers={"Idempotency-Key": " "}).status_code == 422
    assert api.patch("/cart/lines/999999", json={"quantity": 2}).status_code == 404
    assert order_count(shop) == 0


def test_adding_a_sku_twice_raises_the_quantity(shop: Shop) -> None:
    api = shop.api(user(shop, "buyer@acme.test"))
    _fill(api, shop, ("POLO-S", 1), ("POLO-S", 2))
    lines = api.get("/cart").json()["lines"]
    assert [(x["sku_code"], x["quantity"], x["line_points"]) for x in lines] == [("POLO-S", 3, 120)]


def test_buyer_without_location_is_told_to_ask_for_one(shop: Shop) -> None:
    nomad = shop.user("nomad@acme.test", points=500)
    api = shop.api(nomad)
    _fill(api, shop, ("POLO-S", 1))
    r = api.post("/checkout", headers={"Idempotency-Key": "n"})
    assert r.status_code == 422
    assert "no location" in r.json()["error"]["message"]


def test_buyers_see_only_their_own_orders(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    other = shop.user("other@acme.test", location=shop.locations["N1"], points=100)
    api = shop.api(buyer)
    _fill(api, shop, ("POLO-S", 1))
    order = api.post("/checkout", headers={"Idempotency-Key": "mine"}).json()
    assert shop.api(other).get(f"/orders/{order['id']}").status_code == 404
    assert [o["id"] for o in api.get("/orders").json()] == [order["id"]]
    history = api.get(f"/orders/{order['id']}/history").json()
    assert [e["kind"] for e in history] == ["submitted"]


def test_checkout_statement_budget(shop: Shop, count_statements) -> None:  # type: ignore[no-untyped-def]
    """Submit stays within 12 SQL statements on a warm process (auth and tenant lookup
    excluded; per-tenant caches such as "sells kits" and the approval rules are warm)."""
    from commissary.orders import service

    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    _fill(api, shop, ("HELM", 1))
    assert api.post("/checkout", headers={"Idempotency-Key": "warm"}).status_code == 201
    _fill(api, shop, ("POLO-S", 1), ("POLO-M", 1), ("BOOT-42", 1))
    ctx = shop.context(buyer)
    count_statements.statements.clear()
    service.submit(ctx, idempotency_key="count", request_print="x")
    ctx.session.commit()
    ctx.session.close()
    assert count_statements.count <= 12, "\n".join(count_statements.statements)


def test_cart_limits_are_explained(shop: Shop) -> None:
    from commissary.orders import service
    from commissary.orders.service import MAX_CART_LINES, MAX_LINE_QUANTITY

    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    polo = sku_id(shop, "POLO-S")
    assert (
        api.post("/cart/lines", json={"sku_id": polo, "quantity": MAX_LINE_QUANTITY}).status_code
        == 201
    )
    over = api.post("/cart/lines", json={"sku_id": polo, "quantity": 1})
    assert over.status_code == 422
    assert over.json()["error"]["message"] == (
        f"quantity must be between 1 and {MAX_LINE_QUANTITY:,} ({MAX_LINE_QUANTITY:,} in your cart)"
    )
    skus = shop.product("Bulk", [(f"BULK-{i}", 1, 1) for i in range(MAX_CART_LINES)])
    ctx = shop.context(buyer)
    for sku in skus[: MAX_CART_LINES - 1]:
        service.add_to_cart(ctx, sku, 1)
    ctx.session.commit()
    ctx.session.close()
    full = api.post("/cart/lines", json={"sku_id": skus[-1], "quantity": 1})
    assert full.status_code == 422
    assert full.json()["error"]["message"] == f"a cart holds at most {MAX_CART_LINES} lines"
    # a line already in the full cart can still grow
    assert api.post("/cart/lines", json={"sku_id": skus[0], "quantity": 1}).json()["quantity"] == 2
    assert len(api.get("/cart").json()["lines"]) == MAX_CART_LINES


def test_cart_add_statement_budget(shop: Shop, count_statements) -> None:  # type: ignore[no-untyped-def]
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    polo_m = sku_id(shop, "POLO-M")
    count_statements.statements.clear()
    assert api.post("/cart/lines", json={"sku_id": polo_m, "quantity": 1}).status_code == 201
    # auth (tenant + token + user in one), the upsert, the priced line
    assert count_statements.count <= 3, count_statements.statements
