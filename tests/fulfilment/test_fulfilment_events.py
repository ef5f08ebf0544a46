"""Plugins hear about shipments, deliveries and low stock after the change committed."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from commissary import Context, hookimpl
from commissary.identity.models import User
from commissary.jobs.outbox import deliver_pending
from commissary.tenants import service as tenants
from commissary.testing import Shop
from tests.fulfilment.conftest import line_of, place, post_shipment
from tests.helpers import sku_id


class Listener:
    def __init__(self) -> None:
        self.heard: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def _hear(self, topic: str, event: dict[str, Any]) -> None:
        with self.lock:
            self.heard.append((topic, dict(event)))

    @hookimpl
    def on_order_shipped(self, ctx: Context, event: dict[str, Any]) -> None:
        self._hear("shipped", event)

    @hookimpl
    def on_order_delivered(self, ctx: Context, event: dict[str, Any]) -> None:
        self._hear("delivered", event)

    @hookimpl
    def on_stock_low(self, ctx: Context, event: dict[str, Any]) -> None:
        self._hear("low", event)


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def commissary_plugins(listener: Listener) -> list[tuple[str, object]]:
    return [("listener", listener)]


def test_shipped_delivered_and_low_stock_reach_plugins(
    shop: Shop, warehouses: dict[str, int], clerk: User, listener: Listener
) -> None:
    with shop.portal.db.transaction() as s:
        tenant = s.merge(shop.tenant)
        tenants.set_plugin_enabled(s, shop.portal.host, tenant, "listener", True, {})
    api = shop.api(clerk)
    boot = sku_id(shop, "BOOT-42")  # 7 on hand over two warehouses
    api.put(f"/stock/{boot}/settings", json={"low_stock_threshold": 6})
    order = place(shop, ("BOOT-42", 1))  # available 6: low
    shipment = post_shipment(
        api,
        order,
        "k",
        warehouse_id=warehouses["EAST"],
        carrier="DHL",
        tracking_number="T-1",
        lines=[{"order_line_id": line_of(order, "BOOT-42"), "quantity": 1}],
    ).json()
    api.post(f"/orders/{order['id']}/shipments/{shipment['id']}/deliver")
    while deliver_pending(shop.portal.db, shop.portal.host):
        pass
    heard = {topic: event for topic, event in listener.heard}
    assert heard["low"] == {"sku_id": boot, "available": 6, "threshold": 6}
    assert heard["shipped"]["order_status"] == "shipped"
    assert heard["shipped"]["tracking_number"] == "T-1"
    assert heard["delivered"]["order_status"] == "delivered"
    assert heard["delivered"]["shipment_id"] == shipment["id"]
