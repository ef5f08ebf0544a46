"""Links that leave the site (mails, invitations) point at the portal's real address."""

from __future__ import annotations

import pytest

from commissary.settings import get_settings
from commissary.tenants.models import Tenant
from commissary.tenants.service import portal_url


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def use(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("COMMISSARY_PUBLIC_URL", raising=False)
        else:
            monkeypatch.setenv("COMMISSARY_PUBLIC_URL", value)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_portal_links_use_the_public_address_or_the_tenants_own_host(public_url) -> None:  # type: ignore[no-untyped-def]
    acme = Tenant(slug="acme", name="Acme", host=None)
    hosted = Tenant(slug="globex", name="Globex", host="orders.globex.example")
    public_url("https://portal.example.com/")
    assert portal_url(acme) == "https://portal.example.com/t/acme"
    assert portal_url(hosted) == "https://orders.globex.example"
    public_url(None)
    # Without the setting: the address the request came in on, else relative (demo only).
    assert portal_url(acme, "http://127.0.0.1:8000/") == "http://127.0.0.1:8000/t/acme"
    assert portal_url(acme) == "/t/acme"
    assert portal_url(hosted, "http://127.0.0.1:8000") == "http://orders.globex.example"
