"""Saved (requisition) lists: private or shared with the location, owner-only changes,
into the cart in one step; other tenants' and other locations' lists are 404."""

from __future__ import annotations

from sqlalchemy import update

from commissary.catalog.models import Sku
from commissary.testing import Shop, csrf_of
from tests.helpers import sku_id, user


def _cart(api) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {line["sku_code"]: line["quantity"] for line in api.get("/cart").json()["lines"]}


def test_a_shared_list_is_used_by_colleagues_and_changed_only_by_its_owner(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    colleague = shop.user("col@acme.test", location=shop.locations["N1"], points=500)
    elsewhere = shop.user("far@acme.test", location=shop.locations["S1"], points=500)
    mine = shop.api(buyer)
    mine.post("/cart/quick-order", json={"text": "POLO-S, 2\nHELM, 1"})
    r = mine.post("/lists", json={"name": "Monthly", "share_with_location": True})
    assert r.status_code == 201, r.text
    saved = r.json()
    assert {(x["sku_code"], x["quantity"]) for x in saved["lines"]} == {("POLO-S", 2), ("HELM", 1)}

    theirs = shop.api(colleague)
    assert [x["name"] for x in theirs.get("/lists").json()] == ["Monthly"]
    assert theirs.patch(f"/lists/{saved['id']}", json={"name": "Mine now"}).status_code == 403
    assert theirs.delete(f"/lists/{saved['id']}").status_code == 403
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(Sku).where(Sku.code == "HELM").values(is_active=False))
    r = theirs.post(f"/lists/{saved['id']}/cart")
    assert r.status_code == 200 and r.json()["skipped"] == ["HELM"]
    assert _cart(theirs) == {"POLO-S": 2}

    assert shop.api(elsewhere).get(f"/lists/{saved['id']}").status_code == 404
    other = shop.portal.tenant("globex")
    intruder = other.api(other.user("x@globex.test", location=other.location("G1")))
    assert intruder.post(f"/lists/{saved['id']}/cart").status_code == 404


def test_bad_lists_are_refused_and_change_nothing(shop: Shop) -> None:
    api = shop.api(user(shop, "buyer@acme.test"))
    assert api.post("/lists", json={"name": "Empty cart"}).status_code == 422
    bad = {"name": "X", "lines": [{"sku_id": 999999, "quantity": 1}]}
    assert api.post("/lists", json=bad).status_code == 404
    assert api.post("/lists", json={"name": "", "lines": []}).status_code == 422
    assert api.get("/lists").json() == []
    ok = {"name": "Boots", "lines": [{"sku_id": sku_id(shop, "BOOT-42"), "quantity": 1}]}
    saved = api.post("/lists", json=ok).json()
    r = api.patch(f"/lists/{saved['id']}", json={"lines": [{"sku_id": 999999, "quantity": 1}]})
    assert r.status_code == 404
    assert api.get(f"/lists/{saved['id']}").json()["lines"][0]["sku_code"] == "BOOT-42"


def test_save_the_cart_as_a_list_and_reuse_it_from_the_page(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    browser = shop.browser(buyer)
    shop.api(buyer).post("/cart/quick-order", json={"text": "POLO-M, 4"})
    browser.get(f"/t/{shop.slug}/cart")
    r = browser.post(
        f"/t/{shop.slug}/lists", data={"name": "Shirts", "csrf_token": csrf_of(browser)}
    )
    assert r.status_code == 303, r.text
    page = browser.get(f"/t/{shop.slug}/lists").text
    assert "Shirts" in page and "Only you" in page
    list_id = page.split("/lists/")[1].split("/")[0]
    r = browser.post(f"/t/{shop.slug}/lists/{list_id}/cart", data={"csrf_token": csrf_of(browser)})
    assert r.status_code == 303
    assert _cart(shop.api(buyer)) == {"POLO-M": 8}
