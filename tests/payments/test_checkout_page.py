"""The cart page offers the tenant's remainder methods when points fall short."""

from __future__ import annotations

from commissary.testing import Shop, csrf_of
from tests.helpers import sku_id, user, wallet
from tests.payments.conftest import set_split_policy
from tests.payments.fakegateway import Ledger


def _cart(shop: Shop):  # type: ignore[no-untyped-def]
    browser = shop.browser(user(shop, "buyer@acme.test"))
    browser.post(
        "/t/acme/cart/add",
        data={"csrf_token": csrf_of(browser), "sku_id": sku_id(shop, "POLO-S"), "quantity": 4},
    )
    return browser, browser.get("/t/acme/cart")


def test_short_points_are_topped_up_by_card_from_the_cart_page(
    split_shop: Shop, gateway: Ledger
) -> None:
    browser, cart = _cart(split_shop)  # 160 pts, the buyer has 100
    assert "Pay the rest with" in cart.text
    assert "Visa ending 4242" in cart.text and "6.00 EUR" in cart.text
    key = cart.text.split('name="checkout_key" value="')[1].split('"')[0]
    r = browser.post(
        "/t/acme/checkout",
        data={
            "csrf_token": csrf_of(browser),
            "checkout_key": key,
            "pay_with": "fakecard",
            "pay_fakecard_card": "card_visa",
        },
    )
    assert r.status_code == 303, r.text
    buyer = user(split_shop, "buyer@acme.test")
    assert wallet(split_shop.portal.db, split_shop.tenant.id, buyer.id) == (0, 0, 100)
    assert [amount for action, _ref, amount in gateway.calls if action == "authorize"] == [6]


def test_bad_payment_details_show_the_cart_again_and_place_nothing(split_shop: Shop) -> None:
    browser, cart = _cart(split_shop)
    key = cart.text.split('name="checkout_key" value="')[1].split('"')[0]
    r = browser.post(
        "/t/acme/checkout",
        data={
            "csrf_token": csrf_of(browser),
            "checkout_key": key,
            "pay_with": "fakecard",
            "pay_fakecard_card": "nope",
        },
    )
    assert r.status_code == 409
    assert "Choose a saved card" in r.text
    buyer = user(split_shop, "buyer@acme.test")
    assert wallet(split_shop.portal.db, split_shop.tenant.id, buyer.id) == (100, 0, 0)


def test_personal_cards_are_not_offered_where_the_policy_forbids_them(split_shop: Shop) -> None:
    set_split_policy(split_shop, ["fakecard", "fakepo"], employee_card=False)
    _browser, cart = _cart(split_shop)
    assert "Visa ending 4242" not in cart.text
    assert "Invoice" in cart.text
