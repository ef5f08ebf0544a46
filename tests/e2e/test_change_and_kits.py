"""In a real browser: order a kit with a size, then change the order and cancel a line."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from commissary.testing import Shop
from tests.e2e.test_order_journey import SHOTS, _sign_in
from tests.kits.test_kits import _uniform

pytestmark = pytest.mark.e2e


def test_buyer_orders_a_kit_then_changes_the_order(
    shop: Shop, live_server: str, page: Page
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    _uniform(shop)
    base = f"{live_server}/t/acme"
    _sign_in(page, base, "buyer@acme.test")
    page.goto(f"{base}/")
    page.click("a:has-text('Kits: a whole outfit')")
    page.click("a:has-text('Starter uniform')")
    page.select_option("select[name^=choice_]", label="POLO-M")
    page.screenshot(path=str(SHOTS / "kit.png"), full_page=True)
    page.click("button:has-text('Add kit to cart')")
    expect(page.locator(".flash")).to_contain_text("Added 1 kit")
    expect(page.locator("main")).to_contain_text("Shirt: Polo shirt")
    page.screenshot(path=str(SHOTS / "cart-kit.png"), full_page=True)
    page.click("button:has-text('Place order')")
    expect(page.locator(".flash")).to_contain_text("placed and approved")

    page.click("a:has-text('Change order')")
    page.locator("input[name^=qty_]").first.fill("1")
    page.fill("input[name=new_code_0]", "BOOT-42")
    page.fill("input[name=note]", "one shirt is enough, boots instead")
    page.screenshot(path=str(SHOTS / "order-change.png"), full_page=True)
    page.click("button:has-text('Save changes')")
    expect(page.locator(".flash")).to_contain_text("version 2")
    main = page.locator("main")
    expect(main).to_contain_text("Versions")
    expect(main).to_contain_text("Changed to version 2")
    page.screenshot(path=str(SHOTS / "order-changed.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("summary:has-text('Cancel order')")
    page.screenshot(path=str(SHOTS / "order-cancel-phone.png"), full_page=True)
    page.click("button:has-text('Yes, cancel')")
    expect(page.locator(".flash")).to_contain_text("is cancelled")
    assert problems == [], problems
