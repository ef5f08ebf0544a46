"""Cancelling orders and lines: everything held or spent comes back, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from commissary.jobs.models import OutboxEvent
from commissary.orders import lifecycle
from commissary.orders.models import LineStatus, OrderLine
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


def test_buyer_cancels_a_pending_order_and_gets_points_and_stock_back(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2, "BOOT-42": 2})  # 440 pts: waits for approval
    buyer = user(shop, "buyer@acme.test")
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (560, 440, 0)
    r = shop.api(buyer).post(f"/orders/{order['id']}/cancel", json={})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert {x["status"] for x in r.json()["lines"]} == {"cancelled"}
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)
    assert stock(shop, "BOOT-42") == (5, 0)
    assert stock(shop, "POLO-S") == (10, 0)
    manager = shop.api(user(shop, "manager@acme.test"))
    assert manager.get("/approvals").json()["total"] == 0
    history = shop.api(buyer).get(f"/orders/{order['id']}/history").json()
    assert [e["kind"] for e in history] == ["submitted", "cancelled"]
    again = shop.api(buyer).post(f"/orders/{order['id']}/cancel", json={})
    assert again.status_code == 409
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (1000, 0, 0)


def test_cancelling_an_approved_line_refunds_its_points(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2, "HELM": 1})  # 115 pts: approved at once
    assert order["status"] == "approved"
    buyer = user(shop, "buyer@acme.test")
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (885, 0, 115)
    helmet = order["lines"][1]
    r = shop.api(buyer).post(
        f"/orders/{order['id']}/cancel", json={"line_ids": [helmet["id"]], "reason": "not needed"}
    )
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["lines"]] == ["approved", "cancelled"]
    assert r.json()["status"] == "partially_approved"
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (920, 0, 80)
    assert stock(shop, "HELM") == (1, 0)
    assert stock(shop, "POLO-S") == (10, 2)


def test_a_manager_must_say_why_and_strangers_get_404(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2, "BOOT-42": 2})
    manager = shop.api(user(shop, "manager@acme.test"))
    url = f"/orders/{order['id']}/cancel"
    assert manager.post(url, json={}).status_code == 422
    other_location = shop.location("W1", "West Store")
    stranger = shop.user("other@acme.test", roles=["manager"], location=other_location)
    outsider = shop.api(stranger)
    assert outsider.post(url, json={"reason": "mine now"}).status_code == 404
    colleague = shop.user("colleague@acme.test", location=shop.locations["N1"])
    assert shop.api(colleague).post(url, json={}).status_code == 404
    r = manager.post(url, json={"reason": "duplicate of SO-000002"})
    assert r.status_code == 200
    assert r.json()["lines"][0]["decision_reason"] == "duplicate of SO-000002"


def test_lines_in_fulfilment_cannot_be_cancelled(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 1})
    ctx = shop.context()
    line = ctx.session.get(OrderLine, order["lines"][0]["id"])
    assert line is not None
    lifecycle.move_lines(ctx, [line], LineStatus.IN_FULFILMENT)
    ctx.session.commit()
    ctx.session.close()
    buyer = shop.api(user(shop, "buyer@acme.test"))
    r = buyer.post(f"/orders/{order['id']}/cancel", json={"line_ids": [line.id]})
    assert r.status_code == 409
    assert "in fulfilment" in r.json()["error"]["message"]


def test_every_cancellation_is_in_the_outbox(shop: Shop) -> None:
    order = _order(shop, {"POLO-S": 2, "BOOT-42": 2})
    shop.api(user(shop, "buyer@acme.test")).post(f"/orders/{order['id']}/cancel", json={})
    with shop.portal.db.session(shop.tenant.id) as s:
        topics = s.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.id)).all()
        assert "order_cancelled" in topics
        assert s.scalar(select(func.count()).select_from(OutboxEvent)) >= 2


@pytest.mark.parametrize("line_ids", [[], [999_999]])
def test_bad_line_lists_change_nothing(shop: Shop, line_ids: list[int]) -> None:
    order = _order(shop, {"POLO-S": 2, "BOOT-42": 2})
    buyer = user(shop, "buyer@acme.test")
    r = shop.api(buyer).post(f"/orders/{order['id']}/cancel", json={"line_ids": line_ids})
    assert r.status_code in (404, 422)
    assert wallet(shop.portal.db, shop.tenant.id, buyer.id) == (560, 440, 0)
