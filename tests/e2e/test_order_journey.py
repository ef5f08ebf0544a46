"""The daily journey in a real browser: a buyer orders with points, a manager approves one
line and rejects another, the buyer sees each line's outcome and the points returned."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from commissary.testing import PASSWORD, Shop

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screens"


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    expect(page.locator(".account-name")).to_be_visible()


def _sign_out(page: Page) -> None:
    page.click("button:has-text('Sign out')")


def _add(page: Page, base: str, product: str, code: str, quantity: int) -> None:
    page.goto(f"{base}/")
    page.fill("input[name=q]", product)
    page.keyboard.press("Enter")
    page.click(f"a:has-text('{product}')")
    row = page.locator("tr, .variant", has_text=code).first
    row.locator("input[name=quantity]").fill(str(quantity))
    row.locator("button:has-text('Add to cart')").click()
    expect(page.locator(".flash")).to_contain_text("Added to your cart")


def test_buyer_orders_manager_decides_buyer_sees_result(
    shop: Shop, live_server: str, page: Page
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    base = f"{live_server}/t/acme"

    _sign_in(page, base, "buyer@acme.test")
    _add(page, base, "Polo shirt", "POLO-S", 2)
    _add(page, base, "Safety boots", "BOOT-42", 2)
    page.goto(f"{base}/cart")
    expect(page.locator("main")).to_contain_text("440")
    page.screenshot(path=str(SHOTS / "cart.png"), full_page=True)
    page.click("button:has-text('Submit for approval')")
    expect(page.locator(".flash")).to_contain_text("waiting for your manager")
    order_url = page.url
    _sign_out(page)

    _sign_in(page, base, "manager@acme.test")
    page.goto(f"{base}/approvals")
    page.click("a:has-text('SO-000001')")
    lines = page.locator("[name^=line_][value=approve]")
    expect(lines).to_have_count(2)
    polo = page.locator(".decision-line", has_text="POLO-S")
    polo.get_by_text("Approve", exact=True).click()
    expect(polo.locator("[value=approve]")).to_be_checked()
    boots = page.locator(".decision-line", has_text="BOOT-42")
    boots.get_by_text("Reject", exact=True).click()
    boots.locator("input[name^=reason_]").fill("Boots were issued in May")
    page.screenshot(path=str(SHOTS / "approval.png"), full_page=True)
    page.click("button:has-text('Save decisions')")
    expect(page.locator(".flash")).to_contain_text("SO-000001")
    _sign_out(page)

    _sign_in(page, base, "buyer@acme.test")
    page.goto(order_url)
    main = page.locator("main")
    expect(main).to_contain_text("Partly approved")
    expect(main).to_contain_text("Boots were issued in May")
    expect(main).to_contain_text("360")  # the points returned
    page.screenshot(path=str(SHOTS / "order.png"), full_page=True)
    page.goto(f"{base}/wallet")
    expect(page.locator("main")).to_contain_text("920")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "wallet-phone.png"), full_page=True)
    assert problems == [], problems
