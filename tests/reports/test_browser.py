"""The report pages in headless Chromium, on a desktop and a phone: charts draw, nothing
breaks the content security policy, and the screenshots are kept for a human to look at."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from commissary.testing import PASSWORD, Shop
from tests.e2e.conftest import CHROMIUM, browser_type_launch_args, live_server  # noqa: F401
from tests.helpers import user
from tests.reports.conftest import Seed, set_stock, warehouse

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
# COMMISSARY_SCREENSHOTS keeps them elsewhere (pytest-playwright empties test-results/).
SHOTS = Path(
    os.environ.get(
        "COMMISSARY_SCREENSHOTS", Path(__file__).resolve().parents[2] / "test-results" / "screens"
    )
)


def test_reports_render_on_desktop_and_phone(
    shop: Shop,
    seed: Seed,
    live_server: str,  # noqa: F811
    page: Page,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    ann = user(shop, "buyer@acme.test")
    bob = shop.user("bob@acme.test", location=shop.locations["S1"])
    today = date.today()
    for n in range(0, 84, 3):
        seed(ann if n % 2 else bob, today - timedelta(days=n), [("POLO-S", 1 + n % 4), ("HELM", 1)])
        if n % 9 == 0:
            seed(ann, today - timedelta(days=n), [("BOOT-42", 2), ("POLO-M", 3)])
    set_stock(shop, "POLO-S", on_hand=40, reserved=6)
    set_stock(shop, "BOOT-42", on_hand=3)
    warehouse(shop, "CENTRAL", {"POLO-S": (30, 2), "HELM": (12, 0)})
    warehouse(shop, "N1-BACK", {"POLO-S": (10, 0)}, location=shop.locations["N1"])
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    base = f"{live_server}/t/acme"
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "manager@acme.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.click("a.nav-link:has-text('Reports')")

    for width, height, device in ((1280, 900, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        for name in ("purchases", "velocity", "stock", "shipments"):
            page.goto(f"{base}/reports/{name}")
            expect(page.locator("h1")).to_be_visible()
            charts = page.locator("svg.chart")
            if charts.count():
                box = charts.first.bounding_box()
                assert box is not None and box["height"] > 100
            # Nothing pushes the page sideways (a wide chart scrolls inside its card).
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, (name, device, overflow)
            page.screenshot(path=str(SHOTS / f"reports-{name}-{device}.png"), full_page=True)
            if charts.count():
                charts.first.screenshot(path=str(SHOTS / f"chart-{name}-{device}.png"))
    # Filtering through the form keeps the choice and narrows the figures.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/reports/purchases")
    page.click("summary:has-text('Filters')")
    page.select_option("select[name=location_id]", label="South Store")
    page.click("button:has-text('Apply')")
    expect(page.locator("summary", has_text="Filters")).to_contain_text("South Store and below")
    expect(page.locator("main")).not_to_contain_text("buyer@acme.test")
    assert problems == [], problems
