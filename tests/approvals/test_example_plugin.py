"""The example approval rule plugin: a type registered by a plugin, configured by admins."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from commissary.testing import Portal
from tests.approvals.conftest import place

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plugin_approval_rule"


@pytest.fixture
def commissary_plugins() -> list[tuple[str, object]]:
    sys.path.insert(0, str(EXAMPLE))
    try:
        return [("approval_rule", importlib.import_module("commissary_approval_rule"))]
    finally:
        sys.path.pop(0)


def test_a_plugin_rule_type_routes_bulky_lines_to_a_second_level(portal: Portal) -> None:
    shop = portal.tenant("acme", plugins={"allowance": {}})
    manager = shop.user("m@acme.test", roles=["manager"])
    store = shop.location("S1", manager=manager)
    finance = shop.user("f@acme.test", roles=["approver"])
    admin = shop.api(shop.user("a@acme.test", roles=["tenant_admin"]))
    shop.user("b@acme.test", location=store, points=5000)
    shop.product("Gloves", [("GLOVE", 5, 500)], category="safety")
    body = {
        "name": "Bulk gloves",
        "kind": "approval_rule.bulk_line",
        "settings": {"min_units": 50},
        "levels": [{"kind": "location_manager"}, {"kind": "user", "user_id": finance.id}],
    }
    # installed but not enabled for this tenant: the type is not offered
    keys = [t["key"] for t in admin.get("/approval-rule-types").json()]
    assert "approval_rule.bulk_line" not in keys
    assert admin.post("/approval-rules", json=body).status_code == 422

    from commissary.tenants import service as tenants

    with portal.db.transaction() as s:
        tenant = tenants.tenant_by_slug(s, "acme")
        tenants.set_plugin_enabled(s, portal.host, tenant, "approval_rule", True, {})
    types = {t["key"]: t for t in admin.get("/approval-rule-types").json()}
    assert types["approval_rule.bulk_line"]["label"] == "Many units of one item"
    too_small = admin.post("/approval-rules", json={**body, "settings": {"min_units": 1}})
    assert too_small.status_code == 422 and "min_units" in too_small.text
    assert admin.post("/approval-rules", json=body).status_code == 201

    small = place(shop, "b@acme.test", [("GLOVE", 10)], "small")
    assert small["status"] == "approved"
    big = place(shop, "b@acme.test", [("GLOVE", 60)], "big")
    assert big["status"] == "pending_approval"
    assert big["approval"][0]["reason"] == "Bulk gloves: GLOVE: 50 units or more on one line"
    assert [a["level"] for a in big["approval"]] == [1, 2]
    shop.api(manager).post(f"/approvals/{big['id']}/decision", json={"decision": "approve"})
    fin = shop.api(finance)
    assert fin.get("/approvals").json()["items"][0]["level"] == 2
    done = fin.post(f"/approvals/{big['id']}/decision", json={"decision": "approve"})
    assert done.json()["status"] == "approved"


def test_the_example_editor_form_comes_from_its_settings_model(portal: Portal) -> None:
    shop = portal.tenant("acme", plugins={"allowance": {}, "approval_rule": {}})
    admin = shop.browser(shop.user("a@acme.test", roles=["tenant_admin"]))
    page = admin.get("/t/acme/admin/approval-rules/new?kind=approval_rule.bulk_line")
    assert page.status_code == 200
    assert "Units on one line, at least" in page.text and 'name="s_sku_codes"' in page.text
