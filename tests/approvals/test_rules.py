"""Configurable approval rules: tenant admins manage them; each rule type decides orders."""

from __future__ import annotations

from commissary.approvals import rules
from commissary.approvals.models import ApprovalRule
from commissary.hooktypes import DraftLine, OrderDraft
from commissary.testing import Shop
from tests.approvals.conftest import add_rule, place
from tests.helpers import sku_id, user


def test_admin_lists_rule_types_with_their_settings_schema(tree_shop: Shop) -> None:
    admin = tree_shop.api(user(tree_shop, "admin@acme.test"))
    types = {t["key"]: t for t in admin.get("/approval-rule-types").json()}
    assert {
        "order_total",
        "categories",
        "over_allowance",
        "first_sku_order",
        "outside_locations",
        "reorder",
    } <= set(types)
    assert "above_points" in types["order_total"]["settings_schema"]["properties"]


def test_rules_are_validated_by_their_type_and_bad_ones_change_nothing(tree_shop: Shop) -> None:
    admin = tree_shop.api(user(tree_shop, "admin@acme.test"))
    manager_level = [{"kind": "location_manager"}]
    bad_settings = admin.post(
        "/approval-rules",
        json={
            "name": "x",
            "kind": "order_total",
            "settings": {"above_points": -5},
            "levels": manager_level,
        },
    )
    assert bad_settings.status_code == 422
    assert "above_points" in bad_settings.json()["error"]["message"]
    unknown_field = admin.post(
        "/approval-rules",
        json={
            "name": "x",
            "kind": "order_total",
            "settings": {"limit": 5},
            "levels": manager_level,
        },
    )
    assert unknown_field.status_code == 422
    unknown_type = admin.post(
        "/approval-rules", json={"name": "x", "kind": "nope", "levels": manager_level}
    )
    assert unknown_type.status_code == 422 and "unknown rule type" in unknown_type.text
    nobody = admin.post("/approval-rules", json={"name": "x", "kind": "order_total"})
    assert nobody.status_code == 422 and "who approves" in nobody.text
    ghost = admin.post(
        "/approval-rules",
        json={"name": "x", "kind": "order_total", "levels": [{"kind": "user", "user_id": 99999}]},
    )
    assert ghost.status_code == 422 and "no such user" in ghost.text
    bad_role = admin.post(
        "/approval-rules",
        json={"name": "x", "kind": "order_total", "levels": [{"kind": "role", "role": "pope"}]},
    )
    assert bad_role.status_code == 422
    assert admin.get("/approval-rules").json() == []


def test_only_admins_manage_rules(tree_shop: Shop) -> None:
    for email in ("manager@acme.test", "buyer@acme.test", "finance@acme.test"):
        api = tree_shop.api(user(tree_shop, email))
        assert api.get("/approval-rules").status_code == 403
        r = api.post(
            "/approval-rules",
            json={"name": "x", "kind": "order_total", "levels": [{"kind": "location_manager"}]},
        )
        assert r.status_code == 403


def test_admin_updates_and_deletes_a_rule(tree_shop: Shop) -> None:
    admin = tree_shop.api(user(tree_shop, "admin@acme.test"))
    rule = add_rule(
        tree_shop,
        name="Big",
        kind="order_total",
        settings={"above_points": 100},
        levels=[{"kind": "location_manager"}],
    )
    assert rule["settings"] == {"above_points": 100}
    changed = admin.put(
        f"/approval-rules/{rule['id']}",
        json={
            "name": "Bigger",
            "kind": "order_total",
            "settings": {"above_points": 900},
            "levels": [{"kind": "role", "role": "approver"}],
            "escalate_after_days": 3,
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["levels"] == [{"kind": "role", "role": "approver", "user_id": None}]
    assert admin.delete(f"/approval-rules/{rule['id']}").status_code == 204
    assert admin.get(f"/approval-rules/{rule['id']}").status_code == 404


def test_a_category_rule_routes_the_order_to_a_named_user(tree_shop: Shop) -> None:
    finance = user(tree_shop, "finance@acme.test")
    with tree_shop.portal.db.session(tree_shop.tenant.id) as s:
        from sqlalchemy import select

        from commissary.catalog.models import Category

        footwear = s.scalar(select(Category.id).where(Category.slug == "footwear"))
    rule = add_rule(
        tree_shop,
        name="Footwear",
        kind="categories",
        settings={"category_ids": [footwear], "sku_codes": ["helm"]},
        levels=[{"kind": "user", "user_id": finance.id}],
    )
    cheap = place(tree_shop, "buyer@acme.test", [("POLO-S", 1)], "cheap")
    assert cheap["status"] == "approved"
    order = place(tree_shop, "buyer@acme.test", [("HELM", 1)], "helm")
    assert order["status"] == "pending_approval"
    assert order["approval"] == [
        {
            "rule": f"rule:{rule['id']}",
            "approver": f"user:{finance.id}",
            "reason": "Footwear: HELM always need approval",
            "level": 1,
            "rule_id": rule["id"],
            "rule_name": "Footwear",
            "escalate_after_days": None,
            "skus": ["HELM"],
        }
    ]
    inbox = tree_shop.api(finance).get("/approvals").json()
    assert [i["order_id"] for i in inbox["items"]] == [order["id"]]
    assert inbox["items"][0]["reason"] == "Footwear: HELM always need approval"
    # the location manager is not asked by this rule
    assert (
        tree_shop.api(user(tree_shop, "manager@acme.test")).get("/approvals").json()["total"] == 0
    )


def test_over_allowance_and_first_order_rules(tree_shop: Shop) -> None:
    tree_shop.tenant.approval_threshold_points = None
    ctx = tree_shop.context(user(tree_shop, "buyer@acme.test"))
    ctx.tenant.approval_threshold_points = None
    over = rules.RuleIn(name="Over", kind="over_allowance", levels=[{"kind": "location_manager"}])  # type: ignore[list-item]
    first = rules.RuleIn(
        name="New", kind="first_sku_order", levels=[{"kind": "role", "role": "approver"}]
    )  # type: ignore[list-item]
    rules.create_rule(ctx, over)
    rules.create_rule(ctx, first)
    buyer = user(tree_shop, "buyer@acme.test")
    polo = DraftLine(sku_id(tree_shop, "POLO-S"), "POLO-S", 1, None, 1, 40, 40)
    big = DraftLine(sku_id(tree_shop, "BOOT-42"), "BOOT-42", 2, None, 6, 180, 1080)
    found, auto = rules.evaluate(ctx, OrderDraft(buyer.id, buyer.location_id, (polo,)))
    assert not auto
    assert [r.reason for r in found] == ["New: first order of POLO-S"]
    found, _ = rules.evaluate(ctx, OrderDraft(buyer.id, buyer.location_id, (big,)))
    assert [r.reason for r in found] == [
        "Over: order total 1,080 pts is over the buyer's 1,000 pts allowance",
        "New: first order of BOOT-42",
    ]
    ctx.session.rollback()
    ctx.session.close()


def test_outside_locations_rule_reads_the_buyers_assigned_locations(tree_shop: Shop) -> None:
    buyer = user(tree_shop, "buyer@acme.test")
    ctx = tree_shop.context(buyer)
    rules.create_rule(
        ctx,
        rules.RuleIn(name="Away", kind="outside_locations", levels=[{"kind": "location_manager"}]),  # type: ignore[list-item]
    )
    line = DraftLine(sku_id(tree_shop, "POLO-S"), "POLO-S", 1, None, 1, 40, 40)
    home = OrderDraft(buyer.id, buyer.location_id, (line,))
    south = OrderDraft(buyer.id, tree_shop.locations["S1"].id, (line,))
    assert rules.evaluate(ctx, home)[0] == []
    assert [r.reason for r in rules.evaluate(ctx, south)[0]] == [
        "Away: ships outside the buyer's assigned locations"
    ]
    # Once assigned South as a further location, shipping there is no longer "outside".
    from commissary.identity.models import UserLocation

    ctx.session.add(
        UserLocation(
            tenant_id=tree_shop.tenant.id,
            user_id=buyer.id,
            location_id=tree_shop.locations["S1"].id,
        )
    )
    ctx.session.flush()
    assert rules.evaluate(ctx, south)[0] == []
    ctx.session.rollback()
    ctx.session.close()


def test_an_auto_approve_rule_wins_over_require_rules_and_the_threshold(tree_shop: Shop) -> None:
    """Precedence: a matching auto-approve rule switches off configured rules and the
    built-in threshold (300 pts here)."""
    add_rule(
        tree_shop,
        name="All footwear",
        kind="categories",
        settings={"sku_codes": ["BOOT-42"]},
        levels=[{"kind": "location_manager"}],
    )
    first = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "first")
    assert first["status"] == "pending_approval"
    manager = tree_shop.api(user(tree_shop, "manager@acme.test"))
    manager.post(f"/approvals/{first['id']}/decision", json={"decision": "approve"})
    add_rule(
        tree_shop,
        name="Reorders",
        kind="reorder",
        action="auto_approve",
        settings={"max_points": 400},
    )
    again = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "again")
    assert again["status"] == "approved" and again["approval"] == []
    # a SKU never approved before is no reorder: the rules apply again
    mixed = place(tree_shop, "buyer@acme.test", [("BOOT-42", 1), ("HELM", 1)], "mixed")
    assert mixed["status"] == "pending_approval"


def test_inactive_rules_do_not_apply(tree_shop: Shop) -> None:
    add_rule(
        tree_shop,
        name="Off",
        kind="order_total",
        settings={"above_points": 0},
        levels=[{"kind": "location_manager"}],
        is_active=False,
    )
    assert place(tree_shop, "buyer@acme.test", [("POLO-S", 1)], "k")["status"] == "approved"
    with tree_shop.portal.db.session(tree_shop.tenant.id) as s:
        assert s.query(ApprovalRule).count() == 1


def test_the_core_registers_its_rule_types_through_the_hook(tree_shop: Shop) -> None:
    """register_approval_rule_types: the core's types come through the same hook as a
    plugin's (see tests/approvals/test_example_plugin.py)."""
    host = tree_shop.portal.host
    results = host.pm.hook.register_approval_rule_types()
    keys = {t.key for found in results for t in found}
    assert {"order_total", "categories", "reorder"} <= keys
