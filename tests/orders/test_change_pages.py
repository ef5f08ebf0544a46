"""The order page's change and cancel forms, and ordering for someone from the cart."""

from __future__ import annotations

from commissary.testing import Shop, csrf_of
from tests.helpers import sku_id, stock, user, wallet


def _placed(shop: Shop) -> dict:  # type: ignore[type-arg]
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 2})
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 2})
    return api.post("/checkout", headers={"Idempotency-Key": "p"}).json()  # type: ignore[no-any-return]


def test_buyer_changes_quantities_and_adds_an_item_on_the_page(shop: Shop) -> None:
    order = _placed(shop)
    browser = shop.browser(user(shop, "buyer@acme.test"))
    page = browser.get(f"/t/acme/orders/{order['id']}")
    assert page.status_code == 200
    assert "Change order" in page.text and "Cancel order" in page.text
    form = browser.get(f"/t/acme/orders/{order['id']}/change")
    assert form.status_code == 200
    key = form.text.split('name="change_key" value="')[1].split('"')[0]
    polo, boots = order["lines"]
    data = {
        "csrf_token": csrf_of(browser),
        "change_key": key,
        f"qty_{polo['id']}": "2",
        f"qty_{boots['id']}": "1",
        "new_code_0": "helm",
        "new_qty_0": "1",
        "note": "one pair is enough",
    }
    r = browser.post(f"/t/acme/orders/{order['id']}/change", data=data)
    assert r.status_code == 303, r.text
    again = browser.post(f"/t/acme/orders/{order['id']}/change", data=data)  # a resent form
    assert again.status_code == 303
    assert stock(shop, "BOOT-42") == (5, 1)
    assert stock(shop, "HELM") == (1, 1)
    shown = browser.get(f"/t/acme/orders/{order['id']}").text
    assert "version 2" in shown and "one pair is enough" in shown


def test_a_bad_change_shows_the_form_again_and_changes_nothing(shop: Shop) -> None:
    order = _placed(shop)
    browser = shop.browser(user(shop, "buyer@acme.test"))
    form = browser.get(f"/t/acme/orders/{order['id']}/change")
    key = form.text.split('name="change_key" value="')[1].split('"')[0]
    r = browser.post(
        f"/t/acme/orders/{order['id']}/change",
        data={"csrf_token": csrf_of(browser), "change_key": key, "new_code_0": "NOPE-1"},
    )
    assert r.status_code == 404
    assert "Nothing was changed" in r.text and "NOPE-1" in r.text


def test_cancel_from_the_page(shop: Shop) -> None:
    order = _placed(shop)
    buyer = user(shop, "buyer@acme.test")
    browser = shop.browser(buyer)
    r = browser.post(f"/t/acme/orders/{order['id']}/cancel", data={"csrf_token": csrf_of(browser)})
    assert r.status_code == 303
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)
    page = browser.get(f"/t/acme/orders/{order['id']}").text
    assert "Cancelled" in page and "Change order" not in page


def test_a_manager_orders_for_someone_from_the_cart(shop: Shop) -> None:
    manager = user(shop, "manager@acme.test")
    buyer = user(shop, "buyer@acme.test")
    browser = shop.browser(manager)
    browser.post(
        "/t/acme/cart/add",
        data={"csrf_token": csrf_of(browser), "sku_id": sku_id(shop, "POLO-S"), "quantity": 1},
    )
    cart = browser.get("/t/acme/cart")
    assert "Order for" in cart.text and "buyer@acme.test" in cart.text
    key = cart.text.split('name="checkout_key" value="')[1].split('"')[0]
    r = browser.post(
        "/t/acme/checkout",
        data={"csrf_token": csrf_of(browser), "checkout_key": key, "on_behalf_of": buyer.id},
    )
    assert r.status_code == 303, r.text
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (960, 0, 40)
    page = browser.get(r.headers["location"]).text
    assert "for Buyer" in page
