"""The examples work as documented: a plugin tested with commissary.testing, a child theme."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from commissary.app import create_app
from commissary.catalog.models import Category
from commissary.db import Database
from commissary.settings import Settings
from commissary.tenants import service as tenants
from commissary.testing import Portal, Shop
from tests.helpers import sku_id

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(folder: str, module: str) -> object:
    sys.path.insert(0, str(EXAMPLES / folder))
    try:
        return importlib.import_module(module)
    finally:
        sys.path.pop(0)


@pytest.fixture
def commissary_plugins() -> list[tuple[str, object]]:
    return [
        ("order_limits", _load("plugin_order_limits", "commissary_order_limits")),
        ("promotion", _load("plugin_promotion", "commissary_promotion")),
    ]


def test_order_limits_plugin_caps_lines_and_routes_categories_to_approval(portal: Portal) -> None:
    shop: Shop = portal.tenant("acme", plugins={"allowance": {}})
    manager = shop.user("m@acme.test", roles=["manager"])
    store = shop.location("S1", manager=manager)
    buyer = shop.user("b@acme.test", location=store, points=5000)
    shop.product("Gloves", [("GLOVE", 5, 100)], category="safety")
    shop.product("Cap", [("CAP", 5, 100)], category="headwear")
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "GLOVE"), "quantity": 20})
    # installed but not enabled: no effect
    assert api.post("/checkout", headers={"Idempotency-Key": "1"}).json()["status"] == "approved"
    with portal.db.session() as s:
        safety = s.scalar(select(Category.id).where(Category.slug == "safety"))
    with portal.db.transaction() as s:
        tenant = tenants.tenant_by_slug(s, "acme")
        tenants.set_plugin_enabled(
            s,
            portal.host,
            tenant,
            "order_limits",
            True,
            {"max_units_per_line": 5, "approval_category_ids": [safety]},
        )
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "GLOVE"), "quantity": 6})
    refused = api.post("/checkout", headers={"Idempotency-Key": "2"})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "at most 5 units of GLOVE per order"
    line = api.get("/cart").json()["lines"][0]["id"]
    api.patch(f"/cart/lines/{line}", json={"quantity": 2})
    order = api.post("/checkout", headers={"Idempotency-Key": "3"}).json()
    assert order["status"] == "pending_approval"
    assert order["approval"][0]["reason"] == "GLOVE always need approval"
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "CAP"), "quantity": 2})
    assert api.post("/checkout", headers={"Idempotency-Key": "4"}).json()["status"] == "approved"


def test_child_theme_inherits_and_overrides(
    commissary_database: Database, commissary_settings: Settings
) -> None:
    """register_themes: a child theme changes the footer and adds a stylesheet, the rest is
    the default theme's."""
    theme = _load("theme_child", "commissary_theme_example")
    settings = commissary_settings.model_copy(update={"theme": "example"})
    app = create_app(settings, plugins=[("theme_example", theme)], database=commissary_database)
    with TestClient(app) as client:
        portal = Portal(app, commissary_database, client)
        shop = portal.tenant("acme")
        page = client.get("/t/acme/login")
        assert page.status_code == 200
        assert "uniforms and workwear" in page.text  # the child's footer
        assert "/static/example/brand.css" in page.text
        assert "/static/default/style.css" in page.text  # inherited
        assert client.get("/static/example/brand.css").status_code == 200
        assert shop.browser(shop.user("x@acme.test")).get("/t/acme/").status_code == 200


def test_an_unknown_theme_fails_at_start_up(
    commissary_database: Database, commissary_settings: Settings
) -> None:
    settings = commissary_settings.model_copy(update={"theme": "nonesuch"})
    with pytest.raises(RuntimeError, match="theme 'nonesuch' is not installed"):
        create_app(settings, database=commissary_database)


def test_examples_use_only_the_public_plugin_api() -> None:
    for path in EXAMPLES.rglob("*.py"):
        for line in path.read_text().splitlines():
            if line.startswith(("from commissary.", "import commissary.")):
                raise AssertionError(f"{path}: imports core internals: {line}")
    for path in (EXAMPLES.parent / "plugins").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for line in path.read_text().splitlines():
            if line.startswith(("from commissary.", "import commissary.")):
                raise AssertionError(f"{path}: imports core internals: {line}")


def test_promotion_plugin_adjusts_prices_in_its_categories_while_it_runs(portal: Portal) -> None:
    """The example's ``adjust_unit_price`` shows in the breakdown, the cart and the order."""
    shop: Shop = portal.tenant("acme", plugins={"allowance": {}})
    buyer = shop.user("b@acme.test", location=shop.location("S1"), points=1000)
    shop.product("Helmet", [("HELM", 35, 10)], category="safety")
    shop.product("Mug", [("MUG", 10, 10)], category="kitchen")
    with portal.db.transaction(shop.tenant.id) as s:
        safety = s.scalar(select(Category.id).where(Category.slug == "safety"))
        tenant = tenants.tenant_by_slug(s, "acme")
        tenants.set_plugin_enabled(
            s,
            portal.host,
            tenant,
            "promotion",
            True,
            {"label": "Safety week", "percent": "20", "category_ids": [safety]},
        )
    api = shop.api(buyer)
    helmet = api.get(f"/skus/{sku_id(shop, 'HELM')}/price", params={"quantity": 3}).json()
    assert (helmet["unit_points"], helmet["line_points"]) == (28, 84)
    assert helmet["breakdown"][-1]["detail"] == "Safety week: 20 % off"
    assert helmet["source"] == "list price + promotion"
    mug = api.get(f"/skus/{sku_id(shop, 'MUG')}/price").json()
    assert mug["unit_points"] == 10
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "HELM"), "quantity": 3})
    assert api.get("/cart").json()["total_points"] == 84
    # A promotion that ended adjusts nothing; bad settings are refused.
    with portal.db.transaction(shop.tenant.id) as s:
        tenant = tenants.tenant_by_slug(s, "acme")
        ended = {"ends": "2020-01-01T00:00:00Z", "starts": "2019-01-01T00:00:00Z"}
        tenants.set_plugin_enabled(s, portal.host, tenant, "promotion", True, ended)
        with pytest.raises(Exception, match="end after it starts"):
            tenants.set_plugin_enabled(
                s, portal.host, tenant, "promotion", True, {"starts": "2021-01-01T00:00:00Z"}
            )
    assert api.get(f"/skus/{sku_id(shop, 'HELM')}/price").json()["unit_points"] == 35
