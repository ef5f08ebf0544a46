"""Catalog admin pages: a tenant admin sets up a segment, its catalog and its prices
through forms, and bad lines are refused with their line number."""

from __future__ import annotations

import re

from commissary.testing import Shop, csrf_of
from tests.helpers import user


def _ids(html: str, pattern: str) -> list[int]:
    return [int(x) for x in re.findall(pattern, html)]


def test_admin_sets_up_a_segment_with_its_catalog_and_prices(shop: Shop) -> None:
    admin = shop.user("admin@acme.test", roles=["tenant_admin"])
    browser = shop.browser(admin)
    base = f"/t/{shop.slug}/admin/catalog"
    page = browser.get(f"{base}/")
    assert page.status_code == 200
    assert "No customer types yet" in page.text and "No price lists yet" in page.text

    def post(path: str, data: dict) -> str:  # type: ignore[type-arg]
        r = browser.post(f"{base}{path}", data={**data, "csrf_token": csrf_of(browser)})
        assert r.status_code == 303, r.text
        return browser.get(f"{base}/").text

    post("/types", {"code": "safety", "name": "Safety crew"})
    html = post("/catalogs", {"code": "ppe", "name": "PPE"})
    catalog_id = _ids(html, r"/catalogs/(\d+)/entries")[0]
    categories = dict(
        shop.api(admin).get("/categories").json()
        and [(c["slug"], c["id"]) for c in shop.api(admin).get("/categories").json()]
    )
    html = post(
        f"/catalogs/{catalog_id}/entries",
        {"category_ids": [str(categories["safety"])], "codes": "BOOT-42"},
    )
    assert "2 SKUs" in html
    type_id = _ids(html, r"/types/(\d+)/catalogs")[0]
    post(f"/types/{type_id}/catalogs", {"catalog_ids": [str(catalog_id)]})
    buyer = user(shop, "buyer@acme.test")
    post("/people", {"user_id": str(buyer.id), "type_ids": [str(type_id)]})
    html = post("/price-lists", {"code": "CREW", "name": "Crew", "customer_type_id": str(type_id)})
    list_id = _ids(html, r"/price-lists/(\d+)/items")[0]
    post(f"/price-lists/{list_id}/items", {"text": "BOOT-42, 1, 170\nBOOT-42, 3, 150"})

    names = {p["name"] for p in shop.api(buyer).get("/products").json()["items"]}
    assert names == {"Helmet", "Safety boots"}
    boots = shop.api(buyer).get("/products", params={"q": "boots"}).json()["items"][0]
    assert boots["min_points"] == 170

    # A bad line is refused with its number and changes nothing.
    r = browser.post(
        f"{base}/price-lists/{list_id}/items",
        data={"text": "BOOT-42, 1, 170\nNOPE, 1, 5", "csrf_token": csrf_of(browser)},
    )
    assert r.status_code == 422, r.text
    assert "Line 2: no SKU NOPE" in r.text
    assert "BOOT-42, 3, 150" in browser.get(f"{base}/").text


def test_catalog_admin_is_for_tenant_admins_only(shop: Shop) -> None:
    browser = shop.browser(user(shop, "buyer@acme.test"))
    assert browser.get(f"/t/{shop.slug}/admin/catalog/").status_code == 403
