"""on_points_expiring: a listening plugin receives the reminder after commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from commissary import Context, hookimpl
from commissary.db import utcnow
from commissary.jobs.outbox import deliver_pending
from commissary.tenants import service as tenants
from commissary.testing import Shop
from commissary_allowance import service
from commissary_allowance.jobs import remind_all
from tests.helpers import user


class Listener:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    @hookimpl
    def on_points_expiring(self, ctx: Context, event: dict[str, Any]) -> None:
        self.events.append(event)


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def commissary_plugins(listener: Listener) -> list[tuple[str, object]]:
    return [("listener", listener)]


def test_a_listener_hears_of_points_about_to_expire(shop: Shop, listener: Listener) -> None:
    with shop.portal.db.transaction() as s:
        tenant = tenants.tenant_by_slug(s, "acme")
        tenants.set_plugin_enabled(s, shop.portal.host, tenant, "listener", True)
    buyer = user(shop, "buyer@acme.test")
    with shop.portal.db.transaction(shop.tenant.id) as s:
        service.credit(
            s,
            shop.tenant.id,
            buyer.id,
            70,
            key="soon",
            reason="x",
            expires_at=utcnow() + timedelta(days=2),
        )
    assert remind_all(shop.portal.db.transaction, utcnow(), (3,)) == 1
    while deliver_pending(shop.portal.db, shop.portal.host):
        pass
    assert [(e["user_id"], e["points"], e["days"]) for e in listener.events] == [(buyer.id, 70, 3)]
