"""Amending placed orders: only the change is re-approved; points and stock follow."""

from __future__ import annotations

from commissary.testing import Shop
from tests.helpers import sku_id, stock, user, wallet

Order = dict  # type: ignore[type-arg]


def _order(shop: Shop, lines: dict[str, int], key: str = "k1") -> Order:
    api = shop.api(user(shop, "buyer@acme.test"))
    for code, quantity in lines.items():
        api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": quantity})
    r = api.post("/checkout", headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _amend(shop: Shop, order_id: int, body: dict, key: str = "a1", who: str = "buyer@acme.test"):  # type: ignore[no-untyped-def,type-arg]
    return shop.api(user(shop, who)).post(
        f"/orders/{order_id}/amend", json=body, headers={"Idempotency-Key": key}
    )


def test_reducing_a_pending_line_releases_points_and_stock(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2, "BOOT-42": 2})  # 440, pending
    buyer = user(shop, "buyer@acme.test")
    boots = order["lines"][1]
    r = _amend(shop, order["id"], {"lines": [{"line_id": boots["id"], "quantity": 1}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 2
    assert body["total_points"] == 260
    assert [x["quantity"] for x in body["lines"]] == [2, 1]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (740, 260, 0)
    assert stock(shop, "BOOT-42") == (5, 1)
    versions = shop.api(buyer).get(f"/orders/{order['id']}/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["total_points"] == 440
    assert versions[1]["changes"]["lines"] == [
        {"line_id": boots["id"], "sku_code": "BOOT-42", "from": 2, "to": 1}
    ]
    assert versions[1]["actor_id"] == buyer.id


def test_adding_to_an_approved_order_re_evaluates_only_the_change(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2})  # 80 pts: approved at once
    assert order["status"] == "approved"
    buyer = user(shop, "buyer@acme.test")
    small = _amend(shop, order["id"], {"add": [{"sku_id": sku_id(shop, "HELM"), "quantity": 1}]})
    assert small.status_code == 200, small.text
    assert [x["status"] for x in small.json()["lines"]] == ["approved", "approved"]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (885, 0, 115)
    # Two pairs of boots take the order above the 300 pts limit: the new line waits,
    # what was approved stays approved.
    big = _amend(
        shop, order["id"], {"add": [{"sku_id": sku_id(shop, "BOOT-42"), "quantity": 2}]}, "a2"
    )
    assert big.status_code == 200, big.text
    body = big.json()
    assert [x["status"] for x in body["lines"]] == ["approved", "approved", "pending"]
    assert body["status"] == "pending_approval"
    assert body["approval"][-1]["version"] == 3
    assert "above the 300 pts limit" in body["approval"][-1]["reason"]
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (525, 360, 115)
    assert stock(shop, "BOOT-42") == (5, 2)
    manager = shop.api(user(shop, "manager@acme.test"))
    inbox = manager.get("/approvals").json()
    assert inbox["total"] == 1 and inbox["items"][0]["pending_lines"] == 1


def test_increasing_an_approved_line_adds_a_line_for_the_extra_units(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2})
    polo = order["lines"][0]
    r = _amend(shop, order["id"], {"lines": [{"line_id": polo["id"], "quantity": 3}]})
    assert r.status_code == 200, r.text
    lines = r.json()["lines"]
    assert [(x["sku_code"], x["quantity"], x["status"]) for x in lines] == [
        ("POLO-S", 2, "approved"),
        ("POLO-S", 1, "approved"),
    ]
    assert stock(shop, "POLO-S") == (10, 3)


def test_short_points_or_stock_refuse_the_whole_amendment(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2, "BOOT-42": 2})  # 440 held of 1,000
    (jacket,) = shop.product("Jacket", [("JACKET", 300, 10)])
    buyer = user(shop, "buyer@acme.test")
    before = wallet(shop.portal.db, shop.tenant.id, buyer.id)
    polo = order["lines"][0]
    too_dear = _amend(
        shop,
        order["id"],
        {
            "lines": [{"line_id": polo["id"], "quantity": 1}],
            "add": [{"sku_id": jacket, "quantity": 2}],
        },
    )
    assert too_dear.status_code == 409, too_dear.text  # 600 more points, 560 left
    assert "560" in too_dear.json()["error"]["message"]
    no_stock = _amend(
        shop, order["id"], {"add": [{"sku_id": sku_id(shop, "HELM"), "quantity": 2}]}, "a2"
    )
    assert no_stock.status_code == 409, no_stock.text
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == before
    assert stock(shop, "POLO-S") == (10, 2)
    assert stock(shop, "HELM") == (1, 0)
    now = shop.api(buyer).get(f"/orders/{order['id']}").json()
    assert now["version"] == 1 and [x["quantity"] for x in now["lines"]] == [2, 2]
    assert shop.api(buyer).get(f"/orders/{order['id']}/versions").json() == []


def test_a_retried_amendment_applies_once(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2})
    body = {"add": [{"sku_id": sku_id(shop, "HELM"), "quantity": 1}]}
    first = _amend(shop, order["id"], body, "same")
    second = _amend(shop, order["id"], body, "same")
    assert first.status_code == second.status_code == 200
    assert len(second.json()["lines"]) == 2
    assert stock(shop, "HELM") == (1, 1)
    other_body = _amend(shop, order["id"], {"note": "x", **body}, "same")
    assert other_body.status_code == 422


def test_removing_every_line_cancels_and_a_manager_may_move_the_ship_to(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2})
    south = shop.locations["S1"]
    buyer_moves = _amend(shop, order["id"], {"location_id": south.id})
    assert buyer_moves.status_code == 422  # not one of the buyer's locations
    moved = _amend(shop, order["id"], {"location_id": south.id}, "m1", who="manager@acme.test")
    assert moved.status_code == 200, moved.text
    assert moved.json()["location_id"] == south.id
    assert moved.json()["ship_to"].startswith("South Store")
    polo = order["lines"][0]
    gone = _amend(shop, order["id"], {"lines": [{"line_id": polo["id"], "quantity": 0}]}, "a3")
    assert gone.json()["status"] == "cancelled"
    buyer = user(shop, "buyer@acme.test")
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)
    late = _amend(shop, order["id"], {"lines": [{"line_id": polo["id"], "quantity": 1}]}, "a4")
    assert late.status_code == 409


def test_nothing_to_change_and_foreign_lines_are_refused(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2})
    assert _amend(shop, order["id"], {}).status_code == 422
    assert (
        _amend(shop, order["id"], {"lines": [{"line_id": 999_999, "quantity": 1}]}, "x").status_code
        == 404
    )
    hidden = _amend(shop, order["id"], {"add": [{"sku_id": 999_999, "quantity": 1}]}, "y")
    assert hidden.status_code == 404


def test_a_grown_pending_line_is_approved_again_and_then_captured(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2, "BOOT-42": 2})  # 440, pending
    boots = order["lines"][1]
    r = _amend(shop, order["id"], {"lines": [{"line_id": boots["id"], "quantity": 3}]})
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["lines"]] == ["pending", "pending"]
    manager = shop.api(user(shop, "manager@acme.test"))
    inbox = manager.get("/approvals").json()
    assert inbox["total"] == 1 and inbox["items"][0]["pending_lines"] == 2
    decided = manager.post(
        f"/approvals/{order['id']}/decision",
        json={"decision": "approve"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    buyer = user(shop, "buyer@acme.test")
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000 - 620, 0, 620)
    assert stock(shop, "BOOT-42") == (5, 3)


def test_amendments_respect_entitlements(shop: Shop) -> None:
    """Two shirts a year: an approved order of 2 cannot grow by amendment, and a pending
    line's new quantity is counted once (not on top of its old one)."""
    admin = shop.user("admin@acme.test", roles=["tenant_admin"])
    r = shop.api(admin).post(
        "/entitlements",
        json={
            "name": "Polos",
            "period": "year",
            "enforcement": "hard",
            "target_kind": "sku",
            "target_id": sku_id(shop, "POLO-S"),
            "quantity": 2,
        },
    )
    assert r.status_code == 201, r.text
    order = _order(shop, {"POLO-S": 1, "BOOT-42": 2})  # pending (420 pts)
    polo = order["lines"][0]
    grown = _amend(shop, order["id"], {"lines": [{"line_id": polo["id"], "quantity": 2}]})
    assert grown.status_code == 200, grown.text  # 2 of 2: within the cap
    over = _amend(
        shop, order["id"], {"add": [{"sku_id": sku_id(shop, "POLO-S"), "quantity": 1}]}, "a2"
    )
    assert over.status_code == 422, over.text
    assert stock(shop, "POLO-S") == (10, 2)
