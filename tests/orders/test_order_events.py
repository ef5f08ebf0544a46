"""Cancellations and amendments reach plugins as on_order_cancelled / on_order_amended."""

from __future__ import annotations

from typing import Any

import pytest

from commissary import Context, hookimpl
from commissary.jobs.outbox import deliver_pending
from commissary.testing import Portal, Shop
from tests.helpers import sku_id


class Listener:
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def on_order_cancelled(self, ctx: Context, event: dict[str, Any]) -> None:
        self.seen.append(("cancelled", event))

    @hookimpl
    def on_order_amended(self, ctx: Context, event: dict[str, Any]) -> None:
        self.seen.append(("amended", event))


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def commissary_plugins(listener: Listener) -> list[tuple[str, object]]:
    return [("listener", listener)]


def test_plugins_hear_of_amendments_and_cancellations(portal: Portal, listener: Listener) -> None:
    shop: Shop = portal.tenant("acme", threshold=300, plugins={"allowance": {}, "listener": {}})
    manager = shop.user("manager@acme.test", roles=["manager"])
    north = shop.location("N1", manager=manager)
    buyer = shop.user("buyer@acme.test", location=north, points=1000)
    shop.product("Polo shirt", [("POLO-S", 40, 10)])
    api = shop.api(buyer)
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 2})
    order = api.post("/checkout", headers={"Idempotency-Key": "k"}).json()
    polo = order["lines"][0]
    api.post(
        f"/orders/{order['id']}/amend",
        json={"lines": [{"line_id": polo["id"], "quantity": 1}], "note": "one is enough"},
        headers={"Idempotency-Key": "a"},
    )
    api.post(f"/orders/{order['id']}/cancel", json={"reason": "left the company"})
    while deliver_pending(portal.db, portal.host):
        pass
    kinds = [kind for kind, _ in listener.seen]
    assert kinds == ["amended", "cancelled"]
    amended, cancelled = (event for _, event in listener.seen)
    assert amended["version"] == 2 and amended["note"] == "one is enough"
    assert amended["lines"] == [{"line_id": polo["id"], "sku_code": "POLO-S", "from": 2, "to": 1}]
    assert cancelled["status"] == "cancelled" and cancelled["refunded_points"] == 40
    assert cancelled["order_id"] == order["id"]
