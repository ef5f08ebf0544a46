"""A shop with two warehouses, a warehouse clerk, and helpers to order and ship."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from commissary.identity.models import User
from commissary.inventory import stock
from commissary.inventory.models import MovementReason, Warehouse, WarehouseKind
from commissary.testing import Shop
from tests.helpers import sku_id, user


@pytest.fixture
def warehouses(shop: Shop) -> dict[str, int]:
    """``MAIN`` holds the catalog's stock; ``EAST`` gets 4 more POLO-S and 2 BOOT-42."""
    with shop.portal.db.transaction(shop.tenant.id) as s:
        main = stock.default_warehouse(s, shop.tenant.id)
        east = Warehouse(
            tenant_id=shop.tenant.id,
            code="EAST",
            name="East depot",
            kind=WarehouseKind.SUPPLIER,
            address="",
            priority=200,
            is_active=True,
        )
        s.add(east)
        s.flush()
        for code, units in (("POLO-S", 4), ("BOOT-42", 2)):
            stock.adjust(
                s, shop.tenant.id, east.id, sku_id(shop, code), units, MovementReason.RECEIPT
            )
        return {"MAIN": main.id, "EAST": east.id}


@pytest.fixture
def clerk(shop: Shop) -> User:
    return shop.user("clerk@acme.test", roles=["warehouse"])


def place(shop: Shop, *lines: tuple[str, int], key: str = "order") -> dict[str, Any]:
    """The buyer orders ``lines`` (under the approval threshold: approved at once)."""
    api = shop.api(user(shop, "buyer@acme.test"))
    for code, qty in lines:
        r = api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": qty})
        assert r.status_code == 201, r.text
    r = api.post("/checkout", headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()
    return order


def line_of(order: dict[str, Any], code: str) -> int:
    return int(next(x["id"] for x in order["lines"] if x["sku_code"] == code))


def post_shipment(api: TestClient, order: dict[str, Any], key: str, **body: Any) -> Any:
    return api.post(f"/orders/{order['id']}/shipments", json=body, headers={"Idempotency-Key": key})
