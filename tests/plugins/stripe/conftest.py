"""localstripe, started once per session on 127.0.0.1 by its own launcher, wiped per test."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import stripe

from commissary.payments.policy import set_policy
from commissary.testing import Portal, Shop

HERE = Path(__file__).parent
WEBHOOK_SECRET = "whsec_commissary_test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "run_localstripe.py"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(url + "/v1/customers", auth=("sk_test_x", ""))
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        else:
            raise RuntimeError("localstripe did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(5)


@pytest.fixture
def stripe_client(localstripe_url: str) -> stripe.StripeClient:
    httpx.delete(localstripe_url + "/_config/data")
    return stripe.StripeClient(
        "sk_test_123", base_addresses={"api": localstripe_url}, max_network_retries=0
    )


def new_card(client: stripe.StripeClient, number: str = "4242424242424242") -> str:
    """What Stripe.js does in the buyer's browser: card details in, a pm_… id out."""
    pm = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        }
    )
    return str(pm.id)


@pytest.fixture
def card_shop(portal: Portal, localstripe_url: str, stripe_client: stripe.StripeClient) -> Shop:
    """``acme`` with points and Stripe; 1 point = 0.10 EUR; the rest by the buyer's card."""
    settings = {
        "secret_key": "sk_test_123",
        "webhook_secret": WEBHOOK_SECRET,
        "api_base": localstripe_url,
    }
    shop = portal.tenant("acme", threshold=300, plugins={"allowance": {}, "stripe": settings})
    manager = shop.user("manager@acme.test", roles=["manager"])
    north = shop.location("N1", "North Store", manager=manager)
    shop.user("buyer@acme.test", roles=["buyer"], location=north, points=100)
    shop.user("other@acme.test", roles=["buyer"], location=north)
    shop.product("Polo shirt", [("POLO-S", 40, 10), ("POLO-M", 40, 10)], category="shirts")
    shop.product("Safety boots", [("BOOT-42", 180, 5)], category="footwear")
    ctx = shop.context()
    set_policy(
        ctx,
        remainder_methods=["stripe"],
        employee_card=True,
        currency="EUR",
        point_value=Decimal("0.10"),
    )
    ctx.session.commit()
    ctx.session.close()
    return shop
