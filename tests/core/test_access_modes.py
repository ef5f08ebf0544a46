"""Access modes: private portals, public catalogs with hidden prices, public prices. Pages,
API, search and cache headers obey the mode; ordering always needs a sign-in."""

from __future__ import annotations

from fastapi.testclient import TestClient

from commissary.testing import Shop
from tests.helpers import sku_id, user


def _set_mode(shop: Shop, mode: str) -> None:
    admin = shop.api(shop.user(f"admin-{mode}@acme.test", roles=["tenant_admin"]))
    r = admin.patch("/portal", json={"access_mode": mode})
    assert r.status_code == 200 and r.json()["access_mode"] == mode, r.text


def _visitor(shop: Shop) -> TestClient:
    return TestClient(shop.portal.app, base_url="http://testserver", follow_redirects=False)


def test_a_private_portal_shows_nothing_to_visitors(shop: Shop) -> None:
    visitor = _visitor(shop)
    assert visitor.get(f"/t/{shop.slug}/api/v1/products").status_code == 401
    page = visitor.get(f"/t/{shop.slug}/")
    assert page.status_code in (303, 401)
    assert "Polo shirt" not in page.text


def test_public_catalog_hides_prices_everywhere_and_never_lets_visitors_order(shop: Shop) -> None:
    _set_mode(shop, "public_catalog")
    visitor = _visitor(shop)
    api = f"/t/{shop.slug}/api/v1"
    listing = visitor.get(f"{api}/products", params={"q": "polo"})
    assert listing.status_code == 200
    item = listing.json()["items"][0]
    assert item["name"] == "Polo shirt" and item["min_points"] is None
    assert {s["unit_points"] for s in item["skus"]} == {None}
    assert listing.headers["cache-control"] == "public, no-cache"
    assert "Cookie" in listing.headers["vary"]
    assert visitor.get(f"{api}/skus/{sku_id(shop, 'POLO-S')}/price").status_code == 401
    r = visitor.post(f"{api}/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    assert r.status_code == 401
    page = visitor.get(f"/t/{shop.slug}/products/{item['id']}")
    assert page.status_code == 200
    assert "Sign in to see prices" in page.text and "40" not in page.text.split("<main")[-1]
    # Signed-in people see their prices, and their pages are never cached publicly.
    buyer = shop.api(user(shop, "buyer@acme.test"))
    mine = buyer.get("/products", params={"q": "polo"})
    assert mine.json()["items"][0]["min_points"] == 40
    assert mine.headers["cache-control"] == "private, no-store"


def test_public_prices_show_list_prices_and_ordering_needs_a_sign_in(shop: Shop) -> None:
    _set_mode(shop, "public_prices")
    visitor = _visitor(shop)
    api = f"/t/{shop.slug}/api/v1"
    item = visitor.get(f"{api}/products", params={"q": "boots"}).json()["items"][0]
    assert item["min_points"] == 180
    price = visitor.get(f"{api}/skus/{sku_id(shop, 'BOOT-42')}/price")
    assert price.status_code == 200 and price.json()["source"] == "list price"
    assert visitor.get(f"{api}/cart").status_code == 401
    page = visitor.get(f"/t/{shop.slug}/products/{item['id']}")
    assert "Sign in</a> to order" in page.text
    # Switching back to private takes effect at once.
    _set_mode(shop, "private")
    assert visitor.get(f"{api}/products").status_code == 401


def test_portal_settings_need_the_permission_and_refuse_bad_values(shop: Shop) -> None:
    buyer = shop.api(user(shop, "buyer@acme.test"))
    assert buyer.patch("/portal", json={"access_mode": "public_prices"}).status_code == 403
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    assert admin.patch("/portal", json={"access_mode": "open"}).status_code == 422
    assert admin.patch("/portal", json={"min_order_points": -1}).status_code == 422
    assert admin.get("/portal").json()["access_mode"] == "private"
    r = admin.patch("/portal", json={"min_order_points": 100})
    assert r.json()["min_order_points"] == 100 and r.json()["access_mode"] == "private"
