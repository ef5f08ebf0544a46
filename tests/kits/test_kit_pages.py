"""Kit pages: choose the sizes, add the kit, see it in the cart, order it."""

from __future__ import annotations

from commissary.testing import Shop, csrf_of
from tests.helpers import sku_id, stock, user
from tests.kits.test_kits import _uniform


def test_a_buyer_orders_a_kit_from_the_pages(shop: Shop) -> None:
    kit = _uniform(shop)
    browser = shop.browser(user(shop, "buyer@acme.test"))
    assert "Kits: a whole outfit" in browser.get("/t/acme/").text
    listing = browser.get("/t/acme/kits")
    assert listing.status_code == 200 and "Starter uniform" in listing.text
    page = browser.get(f"/t/acme/kits/{kit['id']}")
    assert page.status_code == 200 and "Choose…" in page.text
    shirt = kit["components"][0]
    r = browser.post(
        "/t/acme/cart/kits",
        data={
            "csrf_token": csrf_of(browser),
            "kit_id": kit["id"],
            "quantity": "1",
            f"choice_{shirt['id']}": sku_id(shop, "POLO-S"),
        },
    )
    assert r.status_code == 303, r.text
    cart = browser.get("/t/acme/cart")
    assert "Starter uniform" in cart.text and "Shirt: Polo shirt" in cart.text
    key = cart.text.split('name="checkout_key" value="')[1].split('"')[0]
    done = browser.post(
        "/t/acme/checkout", data={"csrf_token": csrf_of(browser), "checkout_key": key}
    )
    assert done.status_code == 303, done.text
    assert stock(shop, "POLO-S") == (10, 2) and stock(shop, "HELM") == (1, 1)


def test_no_kits_means_a_helpful_empty_page_and_unknown_kits_are_404(shop: Shop) -> None:
    browser = shop.browser(user(shop, "buyer@acme.test"))
    assert "No kits for you yet" in browser.get("/t/acme/kits").text
    assert "Kits: a whole outfit" not in browser.get("/t/acme/").text
    assert browser.get("/t/acme/kits/999999").status_code == 404
