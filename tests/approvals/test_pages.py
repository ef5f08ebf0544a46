"""The approval pages: the rule editor, the inbox with filters and bulk actions, the
decision page with levels and partial quantities, and the delegation page."""

from __future__ import annotations

from datetime import timedelta

from commissary.db import utcnow
from commissary.testing import Shop, csrf_of
from tests.approvals.conftest import add_rule, place
from tests.helpers import user, wallet


def test_the_rule_editor_renders_the_settings_form_from_the_type(tree_shop: Shop) -> None:
    admin = tree_shop.browser(user(tree_shop, "admin@acme.test"))
    listing = admin.get("/t/acme/admin/approval-rules")
    assert listing.status_code == 200 and "No rules yet" in listing.text
    assert "Order total above an amount" in listing.text
    form = admin.get("/t/acme/admin/approval-rules/new?kind=categories")
    assert form.status_code == 200
    assert 'name="s_category_ids"' in form.text and 'name="s_sku_codes"' in form.text
    number = admin.get("/t/acme/admin/approval-rules/new?kind=order_total")
    assert 'name="s_above_points" type="number"' in number.text
    finance = user(tree_shop, "finance@acme.test")
    r = admin.post(
        "/t/acme/admin/approval-rules",
        data={
            "csrf_token": csrf_of(admin),
            "kind": "categories",
            "name": "Boots need finance",
            "s_sku_codes": "BOOT-42, HELM",
            "s_category_ids": "",
            "action": "require",
            "level_1": "location_manager",
            "level_2": f"user:{finance.id}",
            "level_3": "",
            "escalate_after_days": "4",
            "is_active": "1",
        },
    )
    assert r.status_code == 303, r.text
    rules = tree_shop.api(user(tree_shop, "admin@acme.test")).get("/approval-rules").json()
    assert [(x["name"], x["settings"]["sku_codes"], len(x["levels"])) for x in rules] == [
        ("Boots need finance", ["BOOT-42", "HELM"], 2)
    ]
    page = admin.get(f"/t/acme/admin/approval-rules/{rules[0]['id']}")
    assert page.status_code == 200 and 'value="BOOT-42, HELM"' in page.text
    listing = admin.get("/t/acme/admin/approval-rules")
    assert "Boots need finance" in listing.text and "Finance" in listing.text


def test_the_editor_refuses_bad_settings_and_keeps_what_was_typed(tree_shop: Shop) -> None:
    admin = tree_shop.browser(user(tree_shop, "admin@acme.test"))
    admin.get("/t/acme/admin/approval-rules")
    r = admin.post(
        "/t/acme/admin/approval-rules",
        data={
            "csrf_token": csrf_of(admin),
            "kind": "categories",
            "name": "Broken",
            "s_category_ids": "12, shoes",
            "action": "require",
            "level_1": "location_manager",
        },
    )
    assert r.status_code == 422
    assert "Nothing was saved" in r.text and "shoes is not a number" in r.text
    assert 'value="Broken"' in r.text
    r = admin.post(
        "/t/acme/admin/approval-rules",
        data={"csrf_token": csrf_of(admin), "kind": "order_total", "name": "No one"},
    )
    assert r.status_code == 422 and "who approves" in r.text
    assert tree_shop.api(user(tree_shop, "admin@acme.test")).get("/approval-rules").json() == []


def test_managers_cannot_open_the_rule_editor(tree_shop: Shop) -> None:
    manager = tree_shop.browser(user(tree_shop, "manager@acme.test"))
    assert manager.get("/t/acme/admin/approval-rules").status_code == 403


def test_inbox_page_filters_and_bulk_approves(tree_shop: Shop) -> None:
    tree_shop.user("b2@acme.test", location=tree_shop.locations["S1"], points=1000)
    one = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "1")
    two = place(tree_shop, "b2@acme.test", [("BOOT-42", 2)], "2")
    browser = tree_shop.browser(user(tree_shop, "manager@acme.test"))
    page = browser.get("/t/acme/approvals")
    assert page.status_code == 200
    assert one["number"] in page.text and two["number"] in page.text and "Level 1" in page.text
    south = tree_shop.locations["S1"].id
    filtered = browser.get(f"/t/acme/approvals?location_id={south}")
    assert two["number"] in filtered.text and one["number"] not in filtered.text
    empty = browser.get("/t/acme/approvals?min_total=100000")
    assert "No order matches these filters" in empty.text
    r = browser.post(
        "/t/acme/approvals/bulk",
        data={
            "csrf_token": csrf_of(browser),
            "order_id": [str(one["id"]), str(two["id"])],
            "all": "approve",
        },
    )
    assert r.status_code == 303
    assert "Nothing waits for you" in browser.get("/t/acme/approvals").text
    buyer = user(tree_shop, "buyer@acme.test")
    assert wallet(tree_shop.portal.db, tree_shop.tenant.id, buyer.id) == (640, 0, 360)


def test_decision_page_shows_levels_and_approves_part_of_a_line(tree_shop: Shop) -> None:
    finance = user(tree_shop, "finance@acme.test")
    add_rule(
        tree_shop,
        name="Boots",
        kind="categories",
        settings={"sku_codes": ["BOOT-42"]},
        levels=[{"kind": "location_manager"}, {"kind": "user", "user_id": finance.id}],
    )
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 3)], "o")
    line = order["lines"][0]
    browser = tree_shop.browser(user(tree_shop, "manager@acme.test"))
    page = browser.get(f"/t/acme/approvals/{order['id']}")
    assert page.status_code == 200
    assert "Level 2" in page.text and "Finance" in page.text and "waiting now" in page.text
    assert f'name="qty_{line["id"]}"' in page.text
    r = browser.post(
        f"/t/acme/approvals/{order['id']}",
        data={
            "csrf_token": csrf_of(browser),
            f"line_{line['id']}": "approve",
            f"qty_{line['id']}": "2",
            f"reason_{line['id']}": "",
        },
    )
    assert r.status_code == 303
    after = browser.get(f"/t/acme/approvals/{order['id']}")
    assert "Nothing waits for you now" in after.text
    got = tree_shop.api(user(tree_shop, "buyer@acme.test")).get(f"/orders/{order['id']}").json()
    assert (got["status"], got["lines"][0]["quantity"]) == ("pending_approval", 2)


def test_delegation_page(tree_shop: Shop) -> None:
    manager = user(tree_shop, "manager@acme.test")
    rita = user(tree_shop, "rita@acme.test")
    browser = tree_shop.browser(manager)
    page = browser.get("/t/acme/approval-delegations")
    assert page.status_code == 200 and "No delegation planned" in page.text
    assert "Rita" in page.text
    today = utcnow().date()
    r = browser.post(
        "/t/acme/approval-delegations",
        data={
            "csrf_token": csrf_of(browser),
            "delegate_id": str(rita.id),
            "starts_on": str(today),
            "ends_on": str(today + timedelta(days=3)),
            "note": "Holiday",
        },
    )
    assert r.status_code == 303
    page = browser.get("/t/acme/approval-delegations")
    assert "Holiday" in page.text and "Now" in page.text
    bad = browser.post(
        "/t/acme/approval-delegations",
        data={"csrf_token": csrf_of(browser), "delegate_id": str(rita.id), "starts_on": "x"},
    )
    assert bad.status_code == 303
    assert len(tree_shop.api(manager).get("/approval-delegations").json()) == 1


def test_the_buyer_sees_which_rule_asked_whom_at_which_level(tree_shop: Shop) -> None:
    finance = user(tree_shop, "finance@acme.test")
    add_rule(
        tree_shop,
        name="Boots",
        kind="categories",
        settings={"sku_codes": ["BOOT-42"]},
        levels=[{"kind": "location_manager"}, {"kind": "user", "user_id": finance.id}],
    )
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 1)], "o")
    page = tree_shop.browser(user(tree_shop, "buyer@acme.test")).get(
        f"/t/acme/orders/{order['id']}"
    )
    assert page.status_code == 200
    assert "Level 2" in page.text and "Boots: BOOT-42 always need approval" in page.text
