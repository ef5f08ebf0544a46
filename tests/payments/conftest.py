"""A portal with points, a fake card gateway and a fake invoice method enabled."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from commissary.payments.policy import set_policy
from commissary.testing import Shop
from tests.payments import fakegateway

# The localstripe fixtures, for the Stripe reconciliation tests.
from tests.plugins.stripe.conftest import (  # noqa: F401
    card_shop,
    localstripe_url,
    stripe_client,
)


@pytest.fixture
def commissary_plugins() -> list[tuple[str, object]]:
    return [("fakegateway", fakegateway)]


@pytest.fixture(autouse=True)
def gateway() -> Iterator[fakegateway.Ledger]:
    fakegateway.LEDGER.reset()
    yield fakegateway.LEDGER
    fakegateway.LEDGER.reset()


def set_split_policy(
    shop: Shop, methods: list[str], *, employee_card: bool = True, value: str = "0.10"
) -> None:
    ctx = shop.context()
    set_policy(
        ctx,
        remainder_methods=methods,
        employee_card=employee_card,
        currency="EUR",
        point_value=Decimal(value),
    )
    ctx.session.commit()
    ctx.session.close()


@pytest.fixture
def split_shop(portal) -> Shop:  # type: ignore[no-untyped-def]
    """Tenant ``acme``: approvals above 300 points, a buyer with 100 points, card and
    invoice enabled, 1 point = 0.10 EUR, remainder by card or invoice."""
    shop = portal.tenant("acme", threshold=300, plugins={"allowance": {}, "fakegateway": {}})
    manager = shop.user("manager@acme.test", roles=["manager"])
    north = shop.location("N1", "North Store", manager=manager)
    shop.user("buyer@acme.test", roles=["buyer"], location=north, points=100)
    shop.user("admin@acme.test", roles=["tenant_admin"])
    shop.product("Polo shirt", [("POLO-S", 40, 10), ("POLO-M", 40, 10)], category="shirts")
    shop.product("Safety boots", [("BOOT-42", 180, 5)], category="footwear")
    shop.product("Cap", [("CAP", 7, 20)], category="shirts")
    set_split_policy(shop, ["fakecard", "fakepo"])
    return shop
