"""A warm catalog shows every change at once. Listings and pages are served from
per-process caches (the visible products, their cards, each viewer's product views,
rendered product cards and listing JSON); none of them may show stock, prices or products
that are no longer so."""

from __future__ import annotations

import re

from sqlalchemy import update

from commissary.inventory.models import StockLevel
from commissary.testing import Shop
from tests.core.test_segments import _admin, _assign, _segment
from tests.helpers import sku_id, user


def _polo(api) -> dict:  # type: ignore[no-untyped-def, type-arg]
    items = api.get("/products", params={"page_size": 100}).json()["items"]
    return next(p for p in items if p["name"] == "Polo shirt")


def _polo_card(browser) -> str:  # type: ignore[no-untyped-def]
    page = browser.get("/t/acme/", params={"category": "shirts"}).text
    card = re.search(r'<article class="product-card">.*?Polo shirt.*?</article>', page, re.S)
    assert card is not None
    return card.group(0)


def test_a_warm_catalog_shows_stock_price_and_access_changes_at_once(shop: Shop) -> None:
    buyer = user(shop, "buyer@acme.test")
    browser, api = shop.browser(buyer), shop.api(buyer)
    for _ in range(2):  # warm every cache
        before, card = _polo(api), _polo_card(browser)
    assert all(s["available"] > 0 for s in before["skus"]) and "In stock" in card
    polo_ids = [s["id"] for s in before["skus"]]
    assert polo_ids == [sku_id(shop, s["code"]) for s in before["skus"]]

    with shop.portal.db.transaction(shop.tenant.id) as s:  # sold out elsewhere
        s.execute(
            update(StockLevel)
            .where(StockLevel.sku_id.in_(polo_ids))
            .values(on_hand=StockLevel.reserved)
        )
    assert all(s["available"] == 0 for s in _polo(api)["skus"])
    assert "Out of stock" in _polo_card(browser)

    admin = _admin(shop)
    half = admin.post("/price-lists", json={"code": "HALF", "name": "Half price"}).json()
    r = admin.put(f"/price-lists/{half['id']}/discounts", json={"discounts": [{"percent": "50"}]})
    assert r.status_code == 200, r.text
    halved = _polo(api)
    assert [s["unit_points"] for s in halved["skus"]] == [
        round(s["unit_points"] / 2) for s in before["skus"]
    ]
    cheapest = min(s["unit_points"] for s in halved["skus"])
    assert f"{cheapest} <span" in _polo_card(browser)

    _assign(shop, buyer, _segment(shop, "supervisors", ["safety"]))
    names = {p["name"] for p in api.get("/products").json()["items"]}
    assert names == {"Helmet"}
    assert "Polo shirt" not in browser.get("/t/acme/").text
