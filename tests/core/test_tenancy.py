"""Tenant isolation: another tenant's ids answer 404 on every route, tokens stay home."""

from __future__ import annotations

import re

import pytest

from commissary.testing import Portal, Shop, csrf_of
from tests.helpers import order_count, sku_id, stock, user

BODIES = {
    ("POST", "/approvals/{order_id}/decision"): {"decision": "approve"},
    ("PATCH", "/cart/lines/{line_id}"): {"quantity": 3},
}


@pytest.fixture
def victim(shop: Shop) -> dict[str, int]:
    """Acme's objects: an order waiting for approval, a cart line, a product."""
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 2})
    order = api.post("/checkout", headers={"Idempotency-Key": "v"}).json()
    line = api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    return {
        "order_id": order["id"],
        "line_id": line.json()["id"],
        "product_id": api.get("/products").json()["items"][0]["id"],
    }


@pytest.fixture
def intruder(portal: Portal) -> tuple[Shop, object]:
    other = portal.tenant("globex", threshold=0)
    boss = other.user("boss@globex.test", roles=["tenant_admin", "manager", "buyer"])
    return other, boss


def _api_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every API route that takes an id, from the OpenAPI document (plugins' included)."""
    prefix = "/t/{tenant_slug}/api/v1"
    found = []
    for path, operations in app.openapi()["paths"].items():
        if path.startswith(prefix) and re.search(r"\{(?!tenant_slug)\w+\}", path):
            found += [(m.upper(), path.removeprefix(prefix)) for m in sorted(operations)]
    return found


def test_every_api_route_with_a_foreign_id_is_404(shop, victim, intruder) -> None:  # type: ignore[no-untyped-def]
    other, boss = intruder
    api = other.api(boss)
    routes = _api_routes(shop.portal.app)
    assert len(routes) >= 7, routes  # the sweep must actually cover the id routes
    for method, path in routes:
        url = re.sub(r"\{(\w+)\}", lambda m: str(victim[m.group(1)]), path)
        r = api.request(method, url, json=BODIES.get((method, path)))
        assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
    # and nothing of acme's changed
    assert order_count(shop) == 1
    assert stock(shop, "BOOT-42") == (5, 2)
    acme_buyer = shop.api(user(shop, "buyer@acme.test"))
    assert acme_buyer.get(f"/orders/{victim['order_id']}").json()["status"] == "pending_approval"
    assert acme_buyer.get("/cart").json()["lines"][0]["quantity"] == 1


def test_pages_with_foreign_ids_are_404(shop, victim, intruder) -> None:  # type: ignore[no-untyped-def]
    other, boss = intruder
    browser = other.browser(boss)
    for path in (
        f"/products/{victim['product_id']}",
        f"/orders/{victim['order_id']}",
        f"/approvals/{victim['order_id']}",
    ):
        assert browser.get(f"/t/globex{path}").status_code == 404, path
    r = browser.post(
        f"/t/globex/approvals/{victim['order_id']}",
        data={"all": "approve", "csrf_token": csrf_of(browser)},
    )
    assert r.status_code == 404
    r = browser.post(
        f"/t/globex/cart/lines/{victim['line_id']}/remove", data={"csrf_token": csrf_of(browser)}
    )
    assert r.status_code == 404


def test_a_token_works_only_in_its_own_tenant(shop, intruder) -> None:  # type: ignore[no-untyped-def]
    other, boss = intruder
    token = other.token(boss)
    r = shop.portal.client.get(
        "/t/acme/api/v1/products", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401


def test_a_session_cookie_works_only_in_its_own_tenant(shop, intruder) -> None:  # type: ignore[no-untyped-def]
    other, boss = intruder
    browser = other.browser(boss)
    browser.cookies.set("cs_acme", browser.cookies.get("cs_globex") or "")
    r = browser.get("/t/acme/")
    assert r.status_code == 303 and "/t/acme/login" in r.headers["location"]


def test_lists_show_only_the_tenants_own_rows(shop, victim, intruder) -> None:  # type: ignore[no-untyped-def]
    other, boss = intruder
    api = other.api(boss)
    assert api.get("/products").json()["total"] == 0
    assert api.get("/approvals").json() == {"items": [], "total": 0}
    assert api.get("/orders").json() == []


def test_a_tenant_is_served_at_its_own_host_name(portal: Portal) -> None:
    branded = portal.tenant("initech", host="shop.initech.test")
    buyer = branded.user("peter@initech.test")
    r = portal.client.post(
        "/api/v1/auth/token",
        json={"email": buyer.email, "password": "correct-horse-battery"},
        headers={"host": "shop.initech.test"},
    )
    assert r.status_code == 200, r.text
    assert (
        portal.client.get(
            "/api/v1/me",
            headers={
                "host": "shop.initech.test",
                "authorization": f"Bearer {r.json()['access_token']}",
            },
        ).json()["email"]
        == "peter@initech.test"
    )
    assert portal.client.get("/t/nosuch/login").status_code == 404


def test_api_is_documented_with_its_plugins_and_bearer_auth(portal: Portal) -> None:
    spec = portal.client.get("/openapi.json").json()
    paths = spec["paths"]
    assert "/t/{tenant_slug}/api/v1/checkout" in paths
    assert "/t/{tenant_slug}/api/v1/wallet/grants" in paths  # the allowance plugin's routes
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    docs = portal.client.get("/docs")
    assert docs.status_code == 200 and "/docs/init.js" in docs.text
    assert portal.client.get("/docs/static/swagger-ui-bundle.js").status_code == 200
