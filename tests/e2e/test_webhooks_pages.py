"""In a real browser: a tenant admin adds a webhook endpoint, copies its secret, sends a
test event, reads the delivery log (failed only), redelivers, edits and deletes it; on a
desktop and on a 390 px phone. Screenshots go to ``COMMISSARY_SHOTS`` (default
test-results/screens/webhooks)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from commissary.testing import Portal, Shop
from commissary_webhooks.addresses import ENV
from tests.e2e.test_order_journey import _sign_in
from tests.notifications.peers import HttpReceiver

pytestmark = pytest.mark.e2e
SHOTS = Path(
    os.environ.get(
        "COMMISSARY_SHOTS",
        Path(__file__).resolve().parents[2] / "test-results" / "screens" / "webhooks",
    )
)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.stop()


@pytest.fixture
def hooked(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> Shop:
    monkeypatch.setenv(ENV, '["127.0.0.1/32"]')
    shop = portal.tenant("acme", plugins={"allowance": {}, "webhooks": {}})
    shop.user("admin@acme.test", roles=["tenant_admin"])
    return shop


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_admin_manages_a_webhook_endpoint(
    hooked: Shop, receiver: HttpReceiver, live_server: str, page: Page, width: int
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = "desktop" if width > 600 else "phone"
    page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    problems: list[str] = []
    # (the refused form answers 422 on purpose; the browser logs that as an error)
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    base = f"{live_server}/t/acme"
    _sign_in(page, base, "admin@acme.test")
    page.goto(f"{base}/webhooks")
    expect(page.locator("main")).to_contain_text("No webhook endpoints yet")
    shot(page, f"{size}-1-empty")
    page.locator("main").get_by_role("link", name="Add endpoint").first.click()
    # A private address is refused and the form keeps what was typed.
    page.fill("input[name=url]", "http://10.0.0.8/hooks")
    page.fill("input[name=description]", "ERP order import")
    page.check("input[value=order_submitted]")
    page.check("input[value=order_shipped]")
    page.click("button:has-text('Add endpoint')")
    expect(page.locator(".alert-bad")).to_contain_text("private address 10.0.0.8")
    expect(page.locator("input[name=description]")).to_have_value("ERP order import")
    expect(page.locator("input[value=order_shipped]")).to_be_checked()
    shot(page, f"{size}-2-refused")
    page.fill("input[name=url]", f"{receiver.url}/hooks/commissary")
    page.click("button:has-text('Add endpoint')")
    secret = page.locator("input#secret").input_value()
    assert secret.startswith("whsec_")
    shot(page, f"{size}-3-secret")
    page.click("a:has-text('I have copied it')")
    expect(page.locator("main")).to_contain_text("Nothing delivered yet")
    shot(page, f"{size}-4-no-deliveries")
    receiver.status = 500
    page.locator(".page-head").get_by_role("button", name="Send test event").click()
    expect(page.locator(".flash")).to_contain_text("Test event: failed after")
    receiver.status = 200
    page.locator(".page-head").get_by_role("button", name="Send test event").click()
    expect(page.locator(".flash")).to_contain_text("Test event: answered 200")
    shot(page, f"{size}-5-log")
    page.click("a:has-text('Failed only')")
    expect(page.locator("main tbody tr")).to_have_count(1)
    page.click("button:has-text('Redeliver')")
    expect(page.locator(".flash")).to_contain_text("sent again: answered 200")
    assert len(receiver.hits) == 3
    page.click("summary:has-text('Rotate secret')")
    shot(page, f"{size}-6-rotate-confirm")
    page.click("button:has-text('Yes, make a new secret')")
    assert page.locator("input#secret").input_value() not in ("", secret)
    page.click("a:has-text('I have copied it')")
    page.click(".page-head a:has-text('Edit')")
    page.uncheck("input[name=active]")
    page.click("button:has-text('Save endpoint')")
    expect(page.locator(".flash")).to_contain_text("Endpoint saved")
    page.goto(f"{base}/webhooks")
    expect(page.locator("main")).to_contain_text("Paused")
    shot(page, f"{size}-7-list")
    page.click("a:has-text('Deliveries')")
    page.click("summary:has-text('Delete')")
    page.click("button:has-text('Yes, delete it')")
    expect(page.locator(".flash")).to_contain_text("deleted")
    expect(page.locator("main")).to_contain_text("No webhook endpoints yet")
    assert problems == [], problems
