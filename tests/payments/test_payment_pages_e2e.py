"""The payment admin pages in Debian's Chromium, on a desktop and on a 390 px phone:
Invoices & credit, Credit limits, Payment policy and Allowance programs. Screenshots go to
``$COMMISSARY_SHOTS`` (default ``test-results/screens/payments``)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from commissary.testing import PASSWORD, Portal
from commissary_purchase_order.models import Invoice
from tests.e2e.conftest import CHROMIUM, browser_type_launch_args, live_server  # noqa: F401
from tests.payments.po_support import deliver_events, make_po_shop, po_checkout, ship

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
SHOTS = Path(
    os.environ.get(
        "COMMISSARY_SHOTS",
        Path(__file__).resolve().parents[2] / "test-results" / "screens" / "payments",
    )
)


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    expect(page.locator(".account-name")).to_be_visible()


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_payment_admin_pages_on_desktop_and_phone(
    portal: Portal,
    live_server: str,  # noqa: F811
    page: Page,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    shop = make_po_shop(portal)
    for i, lines in enumerate(([("BOOT-42", 1), ("CAP", 5)], [("CAP", 12)], [("BOOT-42", 1)])):
        order = po_checkout(shop, lines, f"PO-50000{i}", f"k{i}").json()
        ship(shop, order, dict(lines), f"s{i}")
    deliver_events(shop)
    with portal.db.transaction(shop.tenant.id) as s:
        first = s.scalar(select(Invoice).order_by(Invoice.id).limit(1))
        assert first is not None
        first.due_on -= timedelta(days=40)
    base = f"{live_server}/t/acme"
    _sign_in(page, base, "admin@acme.test")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/purchase-orders/statement")
    expect(page.locator("h1")).to_have_text("Invoices & credit")
    expect(page.locator("tr.is-overdue")).to_have_count(1)
    _shot(page, "po-statement-desktop")
    page.locator("summary, .nav-menu summary").first.click()
    _shot(page, "manage-menu")

    page.goto(f"{base}/purchase-orders/credit-limits")
    row = page.locator("tr", has_text="South Store")
    row.locator("input[name=amount]").fill("-3")
    row.locator("button[type=submit]").click()
    expect(page.locator(".alert-bad")).to_contain_text("cannot be negative")
    _shot(page, "po-limits-error-desktop")
    row = page.locator("tr", has_text="South Store")
    row.locator("input[name=amount]").fill("750")
    row.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("South Store")
    _shot(page, "po-limits-desktop")

    page.goto(f"{base}/payments/policy")
    expect(page.locator("h1")).to_have_text("Payment policy")
    _shot(page, "policy-desktop")
    page.fill("input[name=point_value]", "zero")
    page.click("button:has-text('Save policy')")
    expect(page.locator(".alert-bad")).to_contain_text("is not a number")
    _shot(page, "policy-error-desktop")

    page.goto(f"{base}/wallet/programs")
    expect(page.locator("main")).to_contain_text("No programs yet")
    _shot(page, "programs-empty-desktop")
    page.fill("#p-name", "Uniform allowance")
    page.fill("#p-points", "300")
    page.fill("#p-expiry", "90")
    page.fill("#p-cap", "150")
    page.click("button:has-text('Create program')")
    expect(page.locator(".flash")).to_contain_text("Uniform allowance")
    _shot(page, "programs-desktop")
    page.click("main a.btn:has-text('Edit')")
    expect(page.locator("h1")).to_have_text("Uniform allowance")
    _shot(page, "program-edit-desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (
        ("/purchase-orders/statement", "po-statement-phone"),
        ("/purchase-orders/credit-limits", "po-limits-phone"),
        ("/payments/policy", "policy-phone"),
        ("/wallet/programs", "programs-phone"),
    ):
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        _shot(page, name)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("button:has-text('Sign out')")
    _sign_in(page, base, "manager@acme.test")
    page.goto(f"{base}/purchase-orders/statement")
    expect(page.locator("main")).to_contain_text("North Store")
    _shot(page, "po-statement-manager")
    # The bad forms above answer 422 on purpose; anything else is a problem.
    assert [p for p in problems if "status of 422" not in p] == []
