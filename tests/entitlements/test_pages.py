"""The entitlement and budget pages: what buyers, managers and admins see and do."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from commissary.budgets.models import LocationBudget
from commissary.entitlements.models import Entitlement
from commissary.identity.models import Location
from commissary.testing import Shop, csrf_of
from tests.helpers import sku_id, user


def _post(browser: TestClient, url: str, **data: object) -> str:
    r = browser.post(url, data={**data, "csrf_token": csrf_of(browser)})
    assert r.status_code == 303, r.text
    return unquote(r.cookies.get("flash") or browser.cookies.get("flash") or "")


def test_admins_write_rules_buyers_see_what_is_left(shop: Shop) -> None:
    admin = shop.user("admin@acme.test", roles=["tenant_admin"])
    browser = shop.browser(admin)
    page = browser.get("/t/acme/admin/entitlements")
    assert page.status_code == 200
    assert "No entitlements yet" in page.text
    flash = _post(
        browser,
        "/t/acme/admin/entitlements",
        name="Boots",
        target_kind="category",
        target="footwear",
        quantity="1",
        period="rolling",
        months="6",
        enforcement="hard",
        customer_type_id="",
    )
    assert flash == "Entitlement 'Boots' created."
    refused = _post(
        browser,
        "/t/acme/admin/entitlements",
        name="Ghost",
        target_kind="sku",
        target="NOPE-1",
        quantity="1",
        period="year",
        enforcement="hard",
    )
    assert refused == "Not saved: there is no SKU code 'NOPE-1'."
    listing = browser.get("/t/acme/admin/entitlements").text
    assert "Boots" in listing and "in any 6 months" in listing and "Ghost" not in listing

    buyer = user(shop, "buyer@acme.test")
    shopper = shop.browser(buyer)
    boots = sku_id(shop, "BOOT-42")
    with shop.portal.db.session(shop.tenant.id) as s:
        from commissary.catalog.models import Sku

        product_id = s.scalar(select(Sku.product_id).where(Sku.id == boots))
    assert "Boots: 1 of 1 left" in shopper.get(f"/t/acme/products/{product_id}").text
    shopper.post(
        "/t/acme/cart/add", data={"sku_id": boots, "quantity": 1, "csrf_token": csrf_of(shopper)}
    )
    cart = shopper.get("/t/acme/cart").text
    assert "Boots: 0 of 1 left" in cart
    mine = shopper.get("/t/acme/entitlements")
    assert mine.status_code == 200
    assert "1 in your cart" in mine.text and "a firm limit" in mine.text
    assert 'href="/t/acme/entitlements"' in mine.text  # in the buyer's menu
    # a second pair is refused with the rule's words, and the cart keeps one
    refused_add = shopper.post(
        "/t/acme/cart/add", data={"sku_id": boots, "quantity": 1, "csrf_token": csrf_of(shopper)}
    )
    assert refused_add.status_code == 422
    assert "Boots: you may order 1 in any 6 months" in refused_add.text

    with shop.portal.db.session(shop.tenant.id) as s:
        rule_id = s.scalar(select(Entitlement.id))
    assert _post(browser, f"/t/acme/admin/entitlements/{rule_id}/delete") == (
        "Entitlement 'Boots' removed."
    )
    assert shop.browser(buyer).get("/t/acme/admin/entitlements").status_code == 403


def test_managers_see_bars_for_their_budgets_and_admins_set_them(shop: Shop) -> None:
    admin = shop.user("admin@acme.test", roles=["tenant_admin"])
    browser = shop.browser(admin)
    empty = browser.get("/t/acme/budgets")
    assert empty.status_code == 200 and "No budgets yet" in empty.text
    north = shop.locations["N1"]
    assert _post(
        browser,
        "/t/acme/budgets",
        location_id=north.id,
        period="month",
        amount_points="100",
        needs_approval="true",
    ) == ("Budget for North Store set.")
    assert _post(
        browser, "/t/acme/budgets", location_id=north.id, period="month", amount_points="5"
    ) == ("Not saved: this location has a budget already; change that one.")
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 2})
    assert api.post("/checkout", headers={"Idempotency-Key": "b"}).json()["status"] == "approved"

    manager = shop.browser(user(shop, "manager@acme.test"))
    page = manager.get("/t/acme/budgets")
    assert page.status_code == 200
    assert "North Store" in page.text
    assert "<strong>80</strong> of 100 pts (80%)" in page.text
    assert 'role="img"' in page.text and "is-warn" in page.text  # the bar, amber at 80 %
    assert "New budget" not in page.text  # managers read, admins set
    with shop.portal.db.session(shop.tenant.id) as s:
        budget_id = s.scalar(select(LocationBudget.id))
    r = manager.post(f"/t/acme/budgets/{budget_id}/delete", data={"csrf_token": csrf_of(manager)})
    assert r.status_code == 403
    assert _post(
        browser, f"/t/acme/budgets/{budget_id}", period="quarter", amount_points="300"
    ) == ("Budget saved.")
    assert "Tracking only." in manager.get("/t/acme/budgets").text
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(Location).where(Location.id == north.id).values(manager_id=None))
    assert "North Store" not in manager.get("/t/acme/budgets").text


def test_foreign_rules_and_budgets_are_404_in_pages(shop: Shop) -> None:
    admin = shop.user("admin@acme.test", roles=["tenant_admin"])
    api = shop.api(admin)
    rule = api.post(
        "/entitlements",
        json={
            "name": "H",
            "target_kind": "sku",
            "target_id": sku_id(shop, "HELM"),
            "quantity": 1,
            "period": "year",
        },
    ).json()
    budget = api.post(
        "/budgets",
        json={"location_id": shop.locations["N1"].id, "period": "month", "amount_points": 9},
    ).json()
    other = shop.portal.tenant("globex")
    boss = other.user("boss@globex.test", roles=["tenant_admin"])
    browser = other.browser(boss)
    form = {
        "name": "x",
        "target_kind": "sku",
        "target": "HELM",
        "quantity": "1",
        "period": "year",
        "enforcement": "hard",
        "period_": "",
        "amount_points": "1",
        "csrf_token": csrf_of(browser),
    }
    for url in (
        f"/t/globex/admin/entitlements/{rule['id']}",
        f"/t/globex/admin/entitlements/{rule['id']}/delete",
        f"/t/globex/budgets/{budget['id']}",
        f"/t/globex/budgets/{budget['id']}/delete",
    ):
        assert browser.post(url, data=form).status_code == 404, url
    assert len(api.get("/entitlements").json()) == 1
    assert api.get(f"/budgets/{budget['id']}").json()["amount_points"] == 9
