"""Another tenant's approval objects answer 404 on every approval route, and stay as
they were (the global sweep in tests/core/test_tenancy.py covers them too)."""

from __future__ import annotations

from commissary.db import utcnow
from commissary.testing import Portal, Shop, csrf_of
from tests.approvals.conftest import add_rule, place
from tests.helpers import user


def test_foreign_ids_are_404_on_approval_routes(tree_shop: Shop, portal: Portal) -> None:
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    rule = add_rule(tree_shop, name="R", kind="order_total", levels=[{"kind": "location_manager"}])
    today = str(utcnow().date())
    manager = tree_shop.api(user(tree_shop, "manager@acme.test"))
    given = manager.post(
        "/approval-delegations",
        json={
            "delegate_id": user(tree_shop, "rita@acme.test").id,
            "starts_on": today,
            "ends_on": today,
        },
    ).json()
    other = portal.tenant("globex", threshold=0)
    boss = other.user("boss@globex.test", roles=["tenant_admin", "manager", "buyer"])
    api = other.api(boss)
    for method, path, body in [
        ("GET", f"/approvals/{order['id']}", None),
        ("GET", f"/approvals/{order['id']}/steps", None),
        ("GET", f"/orders/{order['id']}/approval-steps", None),
        ("POST", f"/approvals/{order['id']}/decision", {"decision": "approve"}),
        ("GET", f"/approval-rules/{rule['id']}", None),
        (
            "PUT",
            f"/approval-rules/{rule['id']}",
            {"name": "x", "kind": "order_total", "levels": [{"kind": "location_manager"}]},
        ),
        ("DELETE", f"/approval-rules/{rule['id']}", None),
        ("DELETE", f"/approval-delegations/{given['id']}", None),
    ]:
        r = api.request(method, path, json=body)
        assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
    bulk = api.post("/approvals/bulk", json={"order_ids": [order["id"]], "decision": "approve"})
    assert bulk.json() == [
        {
            "order_id": order["id"],
            "ok": False,
            "status": "",
            "error": "no such order in your approvals",
        }
    ]
    # nothing of acme's changed
    admin = tree_shop.api(user(tree_shop, "admin@acme.test"))
    assert admin.get(f"/approval-rules/{rule['id']}").json()["name"] == "R"
    assert manager.get("/approvals").json()["total"] == 1
    assert len(manager.get("/approval-delegations").json()) == 1
    browser = other.browser(boss)
    assert browser.get(f"/t/globex/admin/approval-rules/{rule['id']}").status_code == 404
    r = browser.post(
        f"/t/globex/admin/approval-rules/{rule['id']}/delete", data={"csrf_token": csrf_of(browser)}
    )
    assert r.status_code == 404  # last: see the report on page 404s and SQLite locks
