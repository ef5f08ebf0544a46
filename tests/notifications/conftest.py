"""Fixtures for notification tests: a real SMTP server and the e-mail channel enabled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from commissary.testing import Portal, Shop
from tests.notifications.peers import SmtpSink, start_smtp


@pytest.fixture
def smtp() -> Iterator[tuple[str, int, SmtpSink]]:
    sink = SmtpSink()
    controller = start_smtp(sink)
    yield str(controller.hostname), int(controller.port), sink
    controller.stop()


def email_settings(host: str, port: int) -> dict[str, object]:
    return {
        "smtp_host": host,
        "smtp_port": port,
        "security": "none",
        "from_address": "orders@acme.test",
        "from_name": "Acme Portal",
    }


@pytest.fixture
def mailing_shop(portal: Portal, smtp: tuple[str, int, SmtpSink]) -> Shop:
    """Tenant ``acme`` (allowance + e-mail to the SMTP sink), approvals above 300 points,
    a manager of store N1, a buyer there with 1,000 points, a tenant admin and products."""
    host, port, _ = smtp
    shop = portal.tenant(
        "acme", threshold=300, plugins={"allowance": {}, "email": email_settings(host, port)}
    )
    manager = shop.user("manager@acme.test", roles=["manager"])
    north = shop.location("N1", "North Store", manager=manager)
    shop.user("buyer@acme.test", roles=["buyer"], location=north, points=1000)
    shop.user("admin@acme.test", roles=["tenant_admin"])
    shop.product("Polo shirt", [("POLO-S", 40, 10)], category="shirts")
    shop.product("Safety boots", [("BOOT-42", 180, 50)], category="footwear")
    return shop
