"""The PayPal contract fake, started once per session on 127.0.0.1, reset per test."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from commissary.payments.policy import set_policy
from commissary.testing import Portal, Shop
from tests.plugins.paypal.fake_paypal import CLIENT_ID, CLIENT_SECRET, FakePayPal

WEBHOOK_ID = "8PT597110X687430LKGECATA"


@pytest.fixture(scope="session")
def fake_paypal_server() -> Iterator[FakePayPal]:
    fake = FakePayPal().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_paypal(fake_paypal_server: FakePayPal) -> FakePayPal:
    fake_paypal_server.reset()
    return fake_paypal_server


@pytest.fixture
def paypal_shop(portal: Portal, fake_paypal: FakePayPal) -> Shop:
    """``acme`` with points and PayPal; 1 point = 0.10 EUR."""
    settings = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "endpoint": fake_paypal.url,
        "webhook_id": WEBHOOK_ID,
    }
    shop = portal.tenant("acme", threshold=300, plugins={"allowance": {}, "paypal": settings})
    manager = shop.user("manager@acme.test", roles=["manager"])
    north = shop.location("N1", "North Store", manager=manager)
    shop.user("buyer@acme.test", roles=["buyer"], location=north, points=100)
    shop.user("other@acme.test", roles=["buyer"], location=north)
    shop.product("Safety boots", [("BOOT-42", 150, 10)], category="footwear")
    shop.product("Cap", [("CAP", 10, 50)], category="shirts")
    ctx = shop.context()
    set_policy(
        ctx,
        remainder_methods=["paypal"],
        employee_card=True,
        currency="EUR",
        point_value=Decimal("0.10"),
    )
    ctx.session.commit()
    ctx.session.close()
    return shop
