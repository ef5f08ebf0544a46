"""Budget alerts through the real outbox worker: an approved order's ``order_submitted``
event reaches the budgets core plugin, which emits ``budget_threshold``; a plugin hears it
once, however often the worker runs."""

from __future__ import annotations

from typing import Any

import pytest

from commissary import hookimpl
from commissary.context import Context
from commissary.jobs.outbox import deliver_pending
from commissary.testing import Portal, Shop
from tests.helpers import sku_id, user


class Listener:
    def __init__(self) -> None:
        self.heard: list[dict[str, Any]] = []

    @hookimpl
    def on_budget_threshold(self, ctx: Context, event: dict[str, Any]) -> None:
        self.heard.append(dict(event))


LISTENER = Listener()


@pytest.fixture
def commissary_plugins() -> list[tuple[str, object]]:
    LISTENER.heard.clear()
    return [("budget_listener", LISTENER)]


def _drain(shop: Shop) -> int:
    total = 0
    while n := deliver_pending(shop.portal.db, shop.portal.host, timeout=5.0):
        total += n
    return total


def test_the_worker_turns_an_approved_order_into_one_alert(portal: Portal) -> None:
    shop = portal.tenant("acme", threshold=None, plugins={"allowance": {}, "budget_listener": {}})
    manager = shop.user("manager@acme.test", roles=["manager"])
    store = shop.location("N1", "North Store", manager=manager)
    buyer = shop.user("buyer@acme.test", roles=["buyer"], location=store, points=1000)
    shop.product("Polo shirt", [("POLO-S", 40, 10)], category="shirts")
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    assert (
        admin.post(
            "/budgets",
            json={"location_id": store.id, "period": "quarter", "amount_points": 100},
        ).status_code
        == 201
    )
    api = shop.api(user(shop, "buyer@acme.test"))
    api.post("/cart/lines", json={"sku_id": sku_id(shop, "POLO-S"), "quantity": 2})
    assert api.post("/checkout", headers={"Idempotency-Key": "k"}).json()["status"] == "approved"
    _drain(shop)
    _drain(shop)
    assert [(e["percent"], e["spent"], e["user_ids"]) for e in LISTENER.heard] == [
        (80, 80, [manager.id])
    ]
    assert buyer.id not in LISTENER.heard[0]["user_ids"]
