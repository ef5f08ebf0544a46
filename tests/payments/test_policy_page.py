"""The Payment policy page: tenant admins choose the remainder methods, their order, the
employee's own card, the currency and the point value; bad input changes nothing."""

from __future__ import annotations

from decimal import Decimal

from commissary.payments.models import PaymentPolicy
from commissary.testing import Portal, Shop, csrf_of
from tests.helpers import user


def _policy(shop: Shop) -> tuple[list[str], bool, str, Decimal] | None:
    from sqlalchemy import select

    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(PaymentPolicy))
        if found is None:
            return None
        return (
            list(found.remainder_methods),
            found.employee_card,
            found.currency,
            found.point_value,
        )


def _save(browser, **fields):  # type: ignore[no-untyped-def]
    return browser.post("/t/acme/payments/policy", data={"csrf_token": csrf_of(browser), **fields})


def test_the_page_shows_and_saves_the_policy_in_order(split_shop: Shop) -> None:
    browser = split_shop.browser(user(split_shop, "admin@acme.test"))
    page = browser.get("/t/acme/payments/policy")
    assert page.status_code == 200
    assert "Fake card" in page.text or "fakecard" in page.text
    r = _save(
        browser,
        offer=["fakecard", "fakepo"],
        pos_fakecard="2",
        pos_fakepo="1",
        currency="usd",
        point_value="0.25",
    )
    assert r.status_code == 303, r.text
    assert _policy(split_shop) == (["fakepo", "fakecard"], False, "USD", Decimal("0.25"))
    page = browser.get("/t/acme/payments/policy")
    assert page.text.index('value="fakepo"') < page.text.index('value="fakecard"')
    # Nothing ticked: points only.
    assert _save(browser, currency="USD", point_value="0.25").status_code == 303
    assert _policy(split_shop) == ([], False, "USD", Decimal("0.25"))


def test_bad_input_is_shown_and_changes_nothing(split_shop: Shop) -> None:
    browser = split_shop.browser(user(split_shop, "admin@acme.test"))
    before = _policy(split_shop)
    for fields, words in (
        ({"offer": ["fakecard"], "currency": "EURO", "point_value": "0.1"}, "three-letter"),
        ({"offer": ["fakecard"], "currency": "EUR", "point_value": "zero"}, "is not a number"),
        ({"offer": ["fakecard"], "currency": "EUR", "point_value": "0"}, "more than nothing"),
        ({"offer": ["fakecard"], "currency": "EUR", "point_value": "0.1234567"}, "six decimals"),
        ({"offer": ["stripe"], "currency": "EUR", "point_value": "0.1"}, "not enabled"),
        ({"offer": ["allowance"], "currency": "EUR", "point_value": "0.1"}, "pays in points"),
    ):
        r = _save(browser, **fields)
        assert r.status_code == 422, (fields, r.status_code)
        assert "The policy was not saved" in r.text and words in r.text, words
        assert _policy(split_shop) == before
    assert browser.post("/t/acme/payments/policy", data={"currency": "EUR"}).status_code == 403


def test_only_tenant_admins_see_the_page(split_shop: Shop) -> None:
    for email in ("buyer@acme.test", "manager@acme.test"):
        browser = split_shop.browser(user(split_shop, email))
        assert browser.get("/t/acme/payments/policy").status_code == 403
        assert "Payment policy" not in browser.get("/t/acme/").text
    admin = split_shop.browser(user(split_shop, "admin@acme.test"))
    assert "Payment policy" in admin.get("/t/acme/").text


def test_a_portal_without_methods_explains_what_to_do(portal: Portal) -> None:
    shop = portal.tenant("acme")
    shop.user("admin@acme.test", roles=["tenant_admin"])
    page = shop.browser(user(shop, "admin@acme.test")).get("/t/acme/payments/policy")
    assert page.status_code == 200 and "No payment method to offer" in page.text
