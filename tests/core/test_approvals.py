"""The built-in approval rule, the inbox and line-level decisions."""

from __future__ import annotations

import pytest

from commissary.testing import Portal, Shop
from tests.helpers import sku_id, stock, user, wallet


@pytest.fixture
def pending(shop: Shop) -> dict:  # type: ignore[type-arg]
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 2})
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 2})
    return api.post("/checkout", headers={"Idempotency-Key": "p"}).json()  # type: ignore[no-any-return]


def test_manager_approves_one_line_and_rejects_another(shop: Shop, pending: dict) -> None:  # type: ignore[type-arg]
    buyer = user(shop, "buyer@acme.test")
    manager = shop.api(user(shop, "manager@acme.test"))
    inbox = manager.get("/approvals").json()
    assert inbox["total"] == 1
    assert inbox["items"][0]["pending_lines"] == 2
    assert inbox["items"][0]["reasons"] == ["order total 440 pts is above the 300 pts limit"]
    polo, boots = pending["lines"]
    r = manager.post(
        f"/approvals/{pending['id']}/decision",
        json={
            "lines": [
                {"line_id": polo["id"], "decision": "approve"},
                {
                    "line_id": boots["id"],
                    "decision": "reject",
                    "reason": "boots were issued in May",
                },
            ]
        },
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == "partially_approved"
    assert [(x["status"], x["decision_reason"]) for x in order["lines"]] == [
        ("approved", ""),
        ("rejected", "boots were issued in May"),
    ]
    assert (order["approved_points"], order["rejected_points"]) == (80, 360)
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000 - 80, 0, 80)
    assert stock(shop, "BOOT-42") == (5, 0)
    assert stock(shop, "POLO-S") == (10, 2)
    assert manager.get("/approvals").json()["total"] == 0
    seen_by_buyer = shop.api(buyer).get(f"/orders/{pending['id']}").json()
    assert [x["status"] for x in seen_by_buyer["lines"]] == ["approved", "rejected"]
    history = shop.api(buyer).get(f"/orders/{pending['id']}/history").json()
    assert [e["kind"] for e in history] == ["submitted", "decided"]


def test_deciding_line_by_line_keeps_the_order_pending_until_the_last(
    shop: Shop, pending: dict
) -> None:  # type: ignore[type-arg]
    manager = shop.api(user(shop, "manager@acme.test"))
    polo, boots = pending["lines"]
    url = f"/approvals/{pending['id']}/decision"
    first = manager.post(url, json={"lines": [{"line_id": polo["id"], "decision": "approve"}]})
    assert first.json()["status"] == "pending_approval"
    assert manager.get("/approvals").json()["items"][0]["pending_lines"] == 1
    again = manager.post(
        url, json={"lines": [{"line_id": polo["id"], "decision": "reject", "reason": "x"}]}
    )
    assert again.status_code == 409
    last = manager.post(url, json={"lines": [{"line_id": boots["id"], "decision": "approve"}]})
    assert last.json()["status"] == "approved"
    buyer = user(shop, "buyer@acme.test")
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (560, 0, 440)


def test_rejecting_the_whole_order_returns_every_point_and_unit(shop: Shop, pending: dict) -> None:  # type: ignore[type-arg]
    manager = shop.api(user(shop, "manager@acme.test"))
    r = manager.post(
        f"/approvals/{pending['id']}/decision",
        json={"decision": "reject", "reason": "budget freeze"},
    )
    assert r.json()["status"] == "rejected"
    buyer = user(shop, "buyer@acme.test")
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)
    assert stock(shop, "BOOT-42") == (5, 0) and stock(shop, "POLO-S") == (10, 0)


def test_bad_decisions_are_refused_and_change_nothing(shop: Shop, pending: dict) -> None:  # type: ignore[type-arg]
    manager = shop.api(user(shop, "manager@acme.test"))
    url = f"/approvals/{pending['id']}/decision"
    polo, _ = pending["lines"]
    no_reason = manager.post(url, json={"lines": [{"line_id": polo["id"], "decision": "reject"}]})
    assert no_reason.status_code == 422 and "say why" in no_reason.json()["error"]["message"]
    both = manager.post(
        url, json={"decision": "approve", "lines": [{"line_id": polo["id"], "decision": "approve"}]}
    )
    assert both.status_code == 422
    neither = manager.post(url, json={})
    assert neither.status_code == 422
    unknown = manager.post(url, json={"lines": [{"line_id": 99999, "decision": "approve"}]})
    assert unknown.status_code == 404
    twice = manager.post(
        url,
        json={
            "lines": [
                {"line_id": polo["id"], "decision": "approve"},
                {"line_id": polo["id"], "decision": "approve"},
            ]
        },
    )
    assert twice.status_code == 422
    assert manager.get("/approvals").json()["items"][0]["pending_lines"] == 2


def test_a_manager_sees_only_the_orders_of_locations_they_manage(shop: Shop, pending: dict) -> None:  # type: ignore[type-arg]
    other_manager = shop.user("other-manager@acme.test", roles=["manager"])
    shop.location("E1", "East Store", manager=other_manager)
    api = shop.api(other_manager)
    assert api.get("/approvals").json()["total"] == 0
    assert api.get(f"/approvals/{pending['id']}").status_code == 404
    r = api.post(f"/approvals/{pending['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 404
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    assert admin.get("/approvals").json()["total"] == 1


def test_nobody_approves_their_own_order(shop: Shop) -> None:
    manager = user(shop, "manager@acme.test")
    shop.grant(manager, 1000)
    with shop.portal.db.transaction(shop.tenant.id) as s:
        from commissary.identity.models import User

        m = s.get(User, manager.id)
        assert m is not None
        m.location_id = shop.locations["N1"].id
    api = shop.api(manager)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "BOOT-42"), "quantity": 2})
    order = api.post("/checkout", headers={"Idempotency-Key": "self"}).json()
    assert order["status"] == "pending_approval"
    assert api.get("/approvals").json()["total"] == 0
    r = api.post(f"/approvals/{order['id']}/decision", json={"decision": "approve"})
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("threshold", "total", "needs_approval"),
    [(None, 10_000, False), (0, 40, True), (300, 300, False), (300, 301, True)],
)
def test_threshold_rule(
    portal: Portal, threshold: int | None, total: int, needs_approval: bool
) -> None:
    shop = portal.tenant("t", threshold=threshold)
    loc = shop.location("L1")
    buyer = shop.user("b@t.test", location=loc, points=20_000)
    shop.product("Thing", [("THING", total, 5)])
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "THING"), "quantity": 1})
    order = api.post("/checkout", headers={"Idempotency-Key": "t"}).json()
    assert (order["status"] == "pending_approval") is needs_approval


def test_inbox_statement_count_does_not_grow_with_orders(shop: Shop, count_statements) -> None:  # type: ignore[no-untyped-def]
    from commissary.approvals import service

    manager = user(shop, "manager@acme.test")
    shop.product("Parka", [("PARKA", 350, 100)])
    buyers = [
        shop.user(f"b{i}@acme.test", location=shop.locations["N1"], points=500) for i in range(6)
    ]
    counts = []
    for i, buyer in enumerate(buyers):
        api = shop.api(buyer)
        api.post("/cart/lines", json={"sku_id": sku_id(shop, "PARKA"), "quantity": 1})
        assert api.post("/checkout", headers={"Idempotency-Key": f"o{i}"}).status_code == 201
        if i in (0, 5):
            ctx = shop.context(manager)
            count_statements.statements.clear()
            _rows, total = service.inbox(ctx)
            counts.append((count_statements.count, total))
            ctx.session.close()
    assert counts[0][1] == 1 and counts[1][1] == 6
    assert counts[0][0] == counts[1][0] <= 3
