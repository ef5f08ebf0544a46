"""Fixtures for the approval rule engine: a small location tree with managers at each level.

Region R (manager Rita) > store N1 (manager Manny, from the shared ``shop`` fixture) with
the buyer; a finance user and a tenant admin. The portal's points threshold is 300.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from commissary.identity.models import Location
from commissary.testing import Shop
from tests.helpers import sku_id, user


@pytest.fixture
def tree_shop(shop: Shop) -> Shop:
    rita = shop.user("rita@acme.test", roles=["manager"])
    region = shop.location("R", "Region", manager=rita)
    with shop.portal.db.transaction(shop.tenant.id) as s:
        north = s.scalar(select(Location).where(Location.code == "N1"))
        assert north is not None
        north.parent_id = region.id
    shop.user("finance@acme.test", roles=["approver"])
    shop.user("admin@acme.test", roles=["tenant_admin"])
    return shop


def place(shop: Shop, email: str, lines: list[tuple[str, int]], key: str) -> dict[str, Any]:
    """Submit an order of ``lines`` ((sku code, quantity)) for the user; returns the reply."""
    api = shop.api(user(shop, email))
    for code, qty in lines:
        r = api.post("/cart/lines", json={"sku_id": sku_id(shop, code), "quantity": qty})
        assert r.status_code in (200, 201), r.text
    r = api.post("/checkout", headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def add_rule(shop: Shop, **body: Any) -> dict[str, Any]:
    admin = shop.api(user(shop, "admin@acme.test"))
    r = admin.post("/approval-rules", json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]
