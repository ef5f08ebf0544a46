"""Tenant isolation: another tenant's ids answer 404 on every route, tokens stay home."""

from __future__ import annotations

import re

import pytest

from commissary.testing import Portal, Shop, csrf_of
from tests.helpers import order_count, sku_id, stock, user

ENTITLEMENT = {
    "name": "E",
    "target_kind": "category",
    "target_id": 1,
    "quantity": 2,
    "period": "year",
}
BODIES = {
    ("PUT", "/entitlements/{entitlement_id}"): ENTITLEMENT,
    ("PUT", "/budgets/{budget_id}"): {"period": "month", "amount_points": 5},
    ("POST", "/approvals/{order_id}/decision"): {"decision": "approve"},
    ("PATCH", "/cart/lines/{line_id}"): {"quantity": 3},
    ("POST", "/orders/{order_id}/cancel"): {"reason": "mine now"},
    ("PATCH", "/kits/{kit_id}"): {"name": "mine"},
    ("POST", "/orders/{order_id}/amend"): {"note": "mine now"},
    ("POST", "/payments/orders/{order_id}/refunds"): {"points": 1, "reason": "x"},
    ("PUT", "/customer-types/{type_id}/catalogs"): {"catalog_ids": []},
    ("PUT", "/users/{user_id}/customer-types"): {"customer_type_ids": []},
    ("PATCH", "/users/{user_id}"): {"language": "de"},
    ("PUT", "/catalogs/{catalog_id}/entries"): {},
    ("PUT", "/locations/{location_id}/catalog"): {"catalog_id": None},
    ("PUT", "/price-lists/{list_id}/items"): {"items": []},
    ("PUT", "/price-lists/{list_id}/discounts"): {"discounts": []},
    ("PATCH", "/lists/{saved_list_id}"): {"name": "mine"},
    ("POST", "/wallet/requests/{request_id}/approve"): {"note": "ok"},
    ("POST", "/wallet/requests/{request_id}/decline"): {"note": "no"},
    ("PUT", "/wallet/programs/{program_id}"): {
        "name": "mine",
        "points_per_period": 10,
        "period": "month",
        "starts_on": "2026-12-01",
    },
    ("PUT", "/reports/reorder-policy/{sku_id}"): {
        "lead_time_days": 1,
        "safety_days": 1,
        "cover_days": 1,
    },
    ("PUT", "/approval-rules/{rule_id}"): {
        "name": "mine",
        "kind": "order_total",
        "levels": [{"kind": "location_manager"}],
    },
    ("PATCH", "/locations/{location_id}"): {"name": "mine"},
    ("PUT", "/users/{user_id}/locations"): {"default_location_id": None, "location_ids": []},
    ("PATCH", "/warehouses/{warehouse_id}"): {"name": "mine"},
    ("POST", "/warehouses/{warehouse_id}/stock/adjustments"): {"sku_id": 1, "delta": 5},
    ("PUT", "/stock/{sku_id}/settings"): {"low_stock_threshold": 1},
    ("POST", "/orders/{order_id}/shipments"): {
        "warehouse_id": 1,
        "lines": [{"order_line_id": 1, "quantity": 1}],
    },
}


@pytest.fixture
def victim(shop: Shop) -> dict[str, int]:
    """Acme's objects: an order waiting for approval, a cart line, a product."""
    buyer = user(shop, "buyer@acme.test")
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 2})
    order = api.post("/checkout", headers={"Idempotency-Key": "v"}).json()
    line = api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 1})
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    catalog = admin.post("/catalogs", json={"code": "c", "name": "C"}).json()
    kind = admin.post("/customer-types", json={"code": "t", "name": "T"}).json()
    price_list = admin.post("/price-lists", json={"code": "p", "name": "P"}).json()
    saved = api.post(
        "/lists", json={"name": "L", "lines": [{"sku_id": sku_id(shop, "HELM"), "quantity": 1}]}
    ).json()
    ask = api.post("/wallet/requests", json={"points": 50, "reason": "boots"})
    program = admin.post(
        "/wallet/programs",
        json={"name": "P", "points_per_period": 100, "period": "month", "starts_on": "2026-01-01"},
    )
    assert ask.status_code == 201 and program.status_code == 201, (ask.text, program.text)
    return {
        "order_id": order["id"],
        "line_id": line.json()["id"],
        "product_id": api.get("/products").json()["items"][0]["id"],
        "sku_id": sku_id(shop, "BOOT-42"),
        "user_id": buyer.id,
        "location_id": shop.locations["N1"].id,
        "catalog_id": catalog["id"],
        "type_id": kind["id"],
        "list_id": price_list["id"],
        "saved_list_id": saved["id"],
        "request_id": ask.json()["id"],
        "program_id": program.json()["id"],
        # The webhooks plugin is not enabled here (404 either way); its own foreign-id
        # test with real endpoints is tests/plugins/webhooks.
        "endpoint_id": 1,
        "delivery_id": 1,
        # Payments: a method without webhooks here; the Stripe and PO plugins are not
        # enabled (404 either way); their own foreign-id tests are in tests/plugins.
        "method": "allowance",
        "payment_method": "pm_foreign",
        "invoice_id": 1,
        **_approval_objects(shop),
        **_limit_objects(shop),
        # Fulfilment: acme's default warehouse; shipments are looked up under the order,
        # which is foreign (tests/fulfilment has a sweep with a real shipment).
        "warehouse_id": _default_warehouse(shop),
        "shipment_id": 1,
        **_kit_objects(shop, admin, api),
    }


def _kit_objects(shop: Shop, admin, api) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A kit of acme's and that kit in the buyer's cart."""
    kit = admin.post(
        "/kits",
        json={
            "code": "k",
            "name": "K",
            "components": [{"label": "Helmet", "sku_id": sku_id(shop, "HELM")}],
        },
    )
    assert kit.status_code == 201, kit.text
    entry = api.post("/cart/kits", json={"kit_id": kit.json()["id"]})
    assert entry.status_code == 201, entry.text
    return {"kit_id": kit.json()["id"], "cart_kit_id": entry.json()["id"]}


def _limit_objects(shop: Shop) -> dict[str, int]:
    """An entitlement and a location budget of acme's."""
    api = shop.api(user(shop, "admin@acme.test"))
    helmet = {"target_kind": "sku", "target_id": sku_id(shop, "HELM")}
    entitlement = api.post("/entitlements", json={**ENTITLEMENT, **helmet})
    budget = api.post(
        "/budgets",
        json={"location_id": shop.locations["N1"].id, "period": "month", "amount_points": 100},
    )
    assert entitlement.status_code == 201 and budget.status_code == 201
    return {"entitlement_id": entitlement.json()["id"], "budget_id": budget.json()["id"]}


def _default_warehouse(shop: Shop) -> int:
    from commissary.inventory.stock import default_warehouse

    with shop.portal.db.session(shop.tenant.id) as s:
        return default_warehouse(s, shop.tenant.id).id


def _approval_objects(shop: Shop) -> dict[str, int]:
    """An approval rule and a delegation of acme's (approval rule engine routes)."""
    api = shop.api(user(shop, "admin@acme.test"))
    rule = api.post(
        "/approval-rules",
        json={"name": "R", "kind": "order_total", "levels": [{"kind": "location_manager"}]},
    )
    from commissary.db import utcnow

    today = str(utcnow().date())
    delegated = api.post(
        "/approval-delegations",
        json={
            "delegate_id": user(shop, "manager@acme.test").id,
            "starts_on": today,
            "ends_on": today,
        },
    )
    assert rule.status_code == 201 and delegated.status_code == 201, (rule.text, delegated.text)
    return {"rule_id": rule.json()["id"], "delegation_id": delegated.json()["id"]}


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
        # Every call carries an Idempotency-Key, so routes that need one reach the lookup.
        r = api.request(
            method, url, json=BODIES.get((method, path)), headers={"Idempotency-Key": "sweep"}
        )
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
        f"/orders/{victim['order_id']}/change",
        f"/approvals/{victim['order_id']}",
        f"/admin/approval-rules/{victim['rule_id']}",
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
