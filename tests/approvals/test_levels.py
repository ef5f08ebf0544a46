"""Approval levels in sequence, partial quantities, delegation and bulk decisions."""

from __future__ import annotations

from datetime import timedelta

from commissary.db import utcnow
from commissary.testing import Shop
from tests.approvals.conftest import add_rule, place
from tests.helpers import stock, user, wallet


def _two_levels(shop: Shop) -> dict:  # type: ignore[type-arg]
    finance = user(shop, "finance@acme.test")
    return add_rule(
        shop,
        name="Big orders",
        kind="order_total",
        settings={"above_points": 300},
        levels=[{"kind": "location_manager"}, {"kind": "user", "user_id": finance.id}],
    )


def test_level_two_sees_the_order_only_after_level_one_approved(tree_shop: Shop) -> None:
    tree_shop.tenant.approval_threshold_points = None
    _two_levels(tree_shop)
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2), ("POLO-S", 2)], "o")
    manager = tree_shop.api(user(tree_shop, "manager@acme.test"))
    finance = tree_shop.api(user(tree_shop, "finance@acme.test"))
    # the built-in 300 pts threshold also asks the manager, at level 1
    assert manager.get("/approvals").json()["total"] == 1
    assert finance.get("/approvals").json()["total"] == 0
    # finance may look at the order it will decide later, but not decide it yet
    assert finance.get(f"/approvals/{order['id']}").status_code == 200
    early = finance.post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    assert early.status_code == 409 and "waits for you" in early.text

    r = manager.post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending_approval"
    assert [x["status"] for x in r.json()["lines"]] == ["pending", "pending"]
    buyer = user(tree_shop, "buyer@acme.test")
    assert wallet(tree_shop.portal.db, tree_shop.tenant.id, buyer.id) == (560, 440, 0)
    assert manager.get("/approvals").json()["total"] == 0
    item = finance.get("/approvals").json()["items"][0]
    assert (item["order_id"], item["level"]) == (order["id"], 2)

    boots, polo = order["lines"]
    r = finance.post(
        f"/approvals/{order['id']}/decision",
        json={
            "lines": [
                {"line_id": boots["id"], "decision": "reject", "reason": "boots came in May"},
                {"line_id": polo["id"], "decision": "approve"},
            ]
        },
    )
    assert r.json()["status"] == "partially_approved"
    assert wallet(tree_shop.portal.db, tree_shop.tenant.id, buyer.id) == (920, 0, 80)
    assert stock(tree_shop, "BOOT-42") == (5, 0)

    steps = tree_shop.api(buyer).get(f"/orders/{order['id']}/approval-steps").json()
    summary = sorted((s["line_id"], s["level"], s["status"]) for s in steps)
    assert summary == sorted(
        [
            (boots["id"], 1, "approved"),
            (boots["id"], 1, "approved"),
            (boots["id"], 2, "rejected"),
            (polo["id"], 1, "approved"),
            (polo["id"], 1, "approved"),
            (polo["id"], 2, "approved"),
        ]
    )
    history = tree_shop.api(buyer).get(f"/orders/{order['id']}/history").json()
    decided = [e for e in history if e["kind"] == "decided"]
    assert decided[0]["detail"]["lines"][0]["next_level"] == 2
    assert decided[1]["detail"]["lines"][0]["level"] == 2


def test_a_rejection_at_level_one_ends_the_line(tree_shop: Shop) -> None:
    _two_levels(tree_shop)
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    manager = tree_shop.api(user(tree_shop, "manager@acme.test"))
    r = manager.post(
        f"/approvals/{order['id']}/decision", json={"decision": "reject", "reason": "no"}
    )
    assert r.json()["status"] == "rejected"
    finance = tree_shop.api(user(tree_shop, "finance@acme.test"))
    assert finance.get("/approvals").json()["total"] == 0
    steps = tree_shop.api(user(tree_shop, "buyer@acme.test")).get(
        f"/orders/{order['id']}/approval-steps"
    )
    assert sorted(s["status"] for s in steps.json()) == ["cancelled", "rejected", "rejected"]


def test_an_approver_of_a_later_level_cannot_jump_the_queue(tree_shop: Shop) -> None:
    _two_levels(tree_shop)
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    rita = tree_shop.api(user(tree_shop, "rita@acme.test"))  # region manager, not asked
    r = rita.post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 404
    # the tenant admin may decide any open step
    admin = tree_shop.api(user(tree_shop, "admin@acme.test"))
    r = admin.post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    assert r.json()["status"] == "pending_approval"  # level 2 (finance) still to come


def test_partial_quantity_shrinks_the_line_and_releases_the_rest(tree_shop: Shop) -> None:
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 3)], "o")  # 540 pts > 300
    line = order["lines"][0]
    manager = tree_shop.api(user(tree_shop, "manager@acme.test"))
    url = f"/approvals/{order['id']}/decision"
    too_many = manager.post(
        url, json={"lines": [{"line_id": line["id"], "decision": "approve", "quantity": 4}]}
    )
    assert too_many.status_code == 422 and "1 to 3" in too_many.text
    with_reject = manager.post(
        url,
        json={
            "lines": [{"line_id": line["id"], "decision": "reject", "reason": "x", "quantity": 1}]
        },
    )
    assert with_reject.status_code == 422
    r = manager.post(
        url,
        json={
            "lines": [
                {"line_id": line["id"], "decision": "approve", "quantity": 1, "reason": "one pair"}
            ]
        },
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "approved"
    assert (got["lines"][0]["quantity"], got["lines"][0]["line_points"]) == (1, 180)
    assert got["total_points"] == 180
    buyer = user(tree_shop, "buyer@acme.test")
    assert wallet(tree_shop.portal.db, tree_shop.tenant.id, buyer.id) == (820, 0, 180)
    assert stock(tree_shop, "BOOT-42") == (5, 1)
    history = tree_shop.api(buyer).get(f"/orders/{order['id']}/history").json()
    entry = history[-1]["detail"]["lines"][0]
    assert (entry["quantity"], entry["points_released"]) == (1, 360)


def test_a_delegate_decides_on_behalf_while_the_approver_is_away(tree_shop: Shop) -> None:
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    manager_user = user(tree_shop, "manager@acme.test")
    rita_user = user(tree_shop, "rita@acme.test")
    manager = tree_shop.api(manager_user)
    rita = tree_shop.api(rita_user)
    today = utcnow().date()
    later = manager.post(
        "/approval-delegations",
        json={
            "delegate_id": rita_user.id,
            "starts_on": str(today + timedelta(days=5)),
            "ends_on": str(today + timedelta(days=9)),
        },
    )
    assert later.status_code == 201
    assert rita.get("/approvals").json()["total"] == 0  # not yet
    bad = manager.post(
        "/approval-delegations",
        json={"delegate_id": manager_user.id, "starts_on": str(today), "ends_on": str(today)},
    )
    assert bad.status_code == 422
    backwards = manager.post(
        "/approval-delegations",
        json={
            "delegate_id": rita_user.id,
            "starts_on": str(today),
            "ends_on": str(today - timedelta(days=1)),
        },
    )
    assert backwards.status_code == 422
    buyer_only = manager.post(
        "/approval-delegations",
        json={
            "delegate_id": user(tree_shop, "buyer@acme.test").id,
            "starts_on": str(today),
            "ends_on": str(today),
        },
    )
    assert buyer_only.status_code == 422 and "does not approve" in buyer_only.text
    now = manager.post(
        "/approval-delegations",
        json={"delegate_id": rita_user.id, "starts_on": str(today), "ends_on": str(today)},
    )
    assert now.status_code == 201
    assert [i["order_id"] for i in rita.get("/approvals").json()["items"]] == [order["id"]]
    r = rita.post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    assert r.json()["status"] == "approved"
    history = tree_shop.api(user(tree_shop, "buyer@acme.test")).get(
        f"/orders/{order['id']}/history"
    )
    last = history.json()[-1]
    assert last["detail"]["lines"][0]["on_behalf_of"] == [manager_user.id]
    assert len(rita.get("/approval-delegations").json()) == 2
    assert rita.delete(f"/approval-delegations/{now.json()['id']}").status_code == 204


def test_bulk_decisions_report_each_order(tree_shop: Shop) -> None:
    tree_shop.user("b2@acme.test", location=tree_shop.locations["N1"], points=1000)
    one = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "1")
    two = place(tree_shop, "b2@acme.test", [("BOOT-42", 2)], "2")
    manager = tree_shop.api(user(tree_shop, "manager@acme.test"))
    no_reason = manager.post(
        "/approvals/bulk", json={"order_ids": [one["id"], two["id"]], "decision": "reject"}
    )
    assert no_reason.status_code == 422
    manager.post(f"/approvals/{one['id']}/decision", json={"decision": "approve"})
    r = manager.post(
        "/approvals/bulk", json={"order_ids": [one["id"], two["id"], 99999], "decision": "approve"}
    )
    assert r.status_code == 200, r.text
    results = {x["order_id"]: x for x in r.json()}
    assert results[two["id"]]["ok"] and results[two["id"]]["status"] == "approved"
    assert not results[one["id"]]["ok"] and "decided already" in results[one["id"]]["error"]
    assert not results[99999]["ok"]
    assert manager.get("/approvals").json()["total"] == 0


def test_current_approvers_follow_the_open_level_and_delegations(tree_shop: Shop) -> None:
    from commissary.approvals.steps import current_approver_ids

    _two_levels(tree_shop)
    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    manager, rita = user(tree_shop, "manager@acme.test"), user(tree_shop, "rita@acme.test")
    today = str(utcnow().date())
    tree_shop.api(manager).post(
        "/approval-delegations",
        json={"delegate_id": rita.id, "starts_on": today, "ends_on": today},
    )
    ctx = tree_shop.context()
    assert current_approver_ids(ctx, order["id"]) == sorted([manager.id, rita.id])
    ctx.session.close()
    tree_shop.api(manager).post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    ctx = tree_shop.context()
    assert current_approver_ids(ctx, order["id"]) == [user(tree_shop, "finance@acme.test").id]
    ctx.session.close()


def test_lines_without_steps_are_decided_as_before_the_rule_engine(tree_shop: Shop) -> None:
    """Lines put back to pending without open_steps stay decidable, from the order page,
    by their location's managers and tenant-wide approvers (the inbox lists steps only)."""
    from sqlalchemy import delete

    from commissary.approvals.models import ApprovalStep

    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    with tree_shop.portal.db.transaction(tree_shop.tenant.id) as s:
        s.execute(delete(ApprovalStep))
    rita = tree_shop.api(user(tree_shop, "rita@acme.test"))  # manages the region above N1
    other = tree_shop.user("east@acme.test", roles=["manager"])
    tree_shop.location("E1", "East", manager=other)
    assert tree_shop.api(other).get(f"/approvals/{order['id']}").status_code == 404
    r = tree_shop.api(other).post(
        f"/approvals/{order['id']}/decision", json={"decision": "approve"}
    )
    assert r.status_code == 404
    assert rita.get(f"/approvals/{order['id']}").status_code == 200
    r = rita.post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 200 and r.json()["status"] == "approved"


def test_the_upgrade_gives_waiting_orders_their_steps(tree_shop: Shop) -> None:
    """Migration r0002, run again on a database where a pending line has no steps."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import delete, select

    from commissary.approvals.models import ApprovalStep

    order = place(tree_shop, "buyer@acme.test", [("BOOT-42", 2)], "o")
    with tree_shop.portal.db.transaction(tree_shop.tenant.id) as s:
        s.execute(delete(ApprovalStep))
    path = next(
        Path(__file__).resolve().parents[2].glob("core/commissary/migrations/versions/r0002_*.py")
    )
    spec = importlib.util.spec_from_file_location("r0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with (
        tree_shop.portal.db.engine.begin() as conn,
        Operations.context(MigrationContext.configure(conn)),
    ):
        module.upgrade()
    manager = user(tree_shop, "manager@acme.test")
    with tree_shop.portal.db.session(tree_shop.tenant.id) as s:
        steps = s.scalars(select(ApprovalStep)).all()
        assert [(x.order_id, x.approver_user_id, x.status.value) for x in steps] == [
            (order["id"], manager.id, "open")
        ]
    assert tree_shop.api(manager).get("/approvals").json()["total"] == 1
