"""Shared fixtures; the database and app fixtures come from ``commissary.testing``."""

from __future__ import annotations

import pytest

from commissary.testing import Portal, Shop


@pytest.fixture
def shop(portal: Portal) -> Shop:
    """Tenant ``acme`` with the allowance plugin, approvals above 300 points, two locations
    managed by one manager, a buyer with 1,000 points, and a small catalog."""
    shop = portal.tenant("acme", threshold=300)
    manager = shop.user("manager@acme.test", roles=["manager"])
    north = shop.location("N1", "North Store", manager=manager)
    shop.location("S1", "South Store", manager=manager)
    shop.user("buyer@acme.test", roles=["buyer"], location=north, points=1000)
    shop.product("Polo shirt", [("POLO-S", 40, 10), ("POLO-M", 40, 10)], category="shirts")
    shop.product("Safety boots", [("BOOT-42", 180, 5)], category="footwear")
    shop.product("Helmet", [("HELM", 35, 1)], category="safety")
    return shop
