"""In a real browser: an admin invites a person, the person follows the mailed link, chooses
a password and signs in; the used link then says so. Reminder settings and language too."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from commissary.testing import Shop
from tests.e2e.test_order_journey import _sign_in
from tests.notifications.conftest import mailing_shop, smtp  # noqa: F401  (fixtures)
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import drain

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("COMMISSARY_SHOTS", "test-results/screens-invites"))


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, label in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_invited_person_chooses_a_password_in_the_browser(
    mailing_shop: Shop,  # noqa: F811
    smtp: tuple[str, int, SmtpSink],  # noqa: F811
    live_server: str,
    page: Page,
) -> None:
    _, _, sink = smtp
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    base = f"{live_server}/t/acme"
    _sign_in(page, base, "admin@acme.test")
    page.goto(f"{base}/admin/")
    page.fill("#inv-name", "Nora New")
    page.fill("#inv-email", "nora@acme.test")
    page.check("input[name=role][value=manager]")
    page.select_option("#inv-language", "de")
    _shot(page, "admin-invite-form")
    page.click("button:has-text('Send invitation')")
    expect(page.locator(".flash")).to_contain_text("invitation is on its way to nora@acme.test")
    expect(page.locator("main")).to_contain_text("Invited")
    page.click("a:has-text('Nora New')")
    expect(page.locator("main")).to_contain_text("has not chosen a password yet")
    _shot(page, "admin-person")

    page.goto(f"{base}/notifications/templates")
    page.fill("#points_expiring_days", "14, x")
    page.click("form[action$='/notifications/settings'] button")
    expect(page.locator(".settings-error")).to_contain_text("whole numbers")
    _shot(page, "settings-error")
    page.fill("#points_expiring_days", "21, 7, 1")
    page.select_option("#digest_period", "weekly")
    page.click("form[action$='/notifications/settings'] button")
    expect(page.locator(".flash")).to_contain_text("Reminder settings saved")
    expect(page.locator("#points_expiring_days")).to_have_value("21, 7, 1")
    page.context.clear_cookies()  # signed out

    drain(mailing_shop)
    [mail] = [m.message for m in sink.messages if m.rcpt == ["nora@acme.test"]]
    text = mail.get_body(("plain",)).get_content()
    found = re.search(r"(/t/acme/invite/[A-Za-z0-9_\-]+)", text)
    assert found, text
    link = f"{live_server}{found.group(1)}"
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("Welcome to Acme")
    _shot(page, "invite-open")
    page.fill("#password", "nora-chooses-this")
    page.fill("#confirm", "nora-chooses-this")
    page.click("button:has-text('Set password')")
    expect(page.locator(".flash")).to_contain_text("Your password is set")
    page.fill("input[name=email]", "nora@acme.test")
    page.fill("input[name=password]", "nora-chooses-this")
    page.click("button[type=submit]:has-text('Sign in')")
    expect(page.locator(".account-name")).to_be_visible()

    page.goto(f"{base}/notifications/preferences")
    expect(page.locator("#language")).to_have_value("de")
    _shot(page, "preferences-language")
    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("This link was already used")
    _shot(page, "invite-used")
    # Only the refused form (422) and the used link (410) answered with errors.
    assert [p for p in problems if "Failed to load resource" not in p] == []
