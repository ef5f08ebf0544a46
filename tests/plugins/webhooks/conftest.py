"""Webhook tests seal secrets with a known deployment key (and no key file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commissary.settings import Settings
from commissary.testing import Portal, Shop
from commissary_webhooks import sealing
from commissary_webhooks.addresses import ENV
from tests.notifications.peers import HttpReceiver

LOCAL = '["127.0.0.1/32"]'

KEY = "webhook-test-deployment-key"


@pytest.fixture(autouse=True)
def deployment_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    settings = Settings(secret_key=KEY, data_dir=tmp_path)
    monkeypatch.setattr(sealing, "get_settings", lambda: settings)
    monkeypatch.delenv(sealing.OLD_KEYS_ENV, raising=False)
    return settings


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.stop()


@pytest.fixture
def hooked(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> Shop:
    monkeypatch.setenv(ENV, LOCAL)  # the operator allows the local receiver
    shop = portal.tenant("acme", threshold=300, plugins={"allowance": {}, "webhooks": {}})
    manager = shop.user("manager@acme.test", roles=["manager"])
    north = shop.location("N1", "North Store", manager=manager)
    shop.user("buyer@acme.test", roles=["buyer"], location=north, points=1000)
    shop.user("admin@acme.test", roles=["tenant_admin"])
    shop.product("Polo shirt", [("POLO-S", 40, 10)], category="shirts")
    return shop
