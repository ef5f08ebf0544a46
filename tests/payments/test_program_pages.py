"""Allowance program pages: tenant admins list, create, edit, deactivate and reactivate
programs; bad input is shown with the reason and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from commissary.testing import Portal, Shop, csrf_of
from commissary_allowance.models import Program
from commissary_allowance.programs import renew_all
from tests.helpers import user


@pytest.fixture
def admin_shop(shop: Shop) -> Shop:
    shop.user("admin@acme.test", roles=["tenant_admin"])
    return shop


def _programs(shop: Shop) -> list[tuple[Any, ...]]:
    with shop.portal.db.session(shop.tenant.id) as s:
        return [
            (
                p.name,
                p.points_per_period,
                p.period.value,
                p.starts_on,
                p.expiry_days,
                p.rollover_cap,
                p.prorate,
                p.category_ids,
                p.is_active,
            )
            for p in s.scalars(select(Program).order_by(Program.id))
        ]


def _category(shop: Shop, name: str) -> int:
    from commissary.catalog.models import Category

    with shop.portal.db.session(shop.tenant.id) as s:
        found = s.scalar(select(Category.id).where(Category.name == name))
        if found is None:
            found = s.scalar(select(Category.id).where(Category.slug == name))
        assert found is not None
        return found


GOOD = {
    "name": "Uniform allowance",
    "points_per_period": "300",
    "period": "month",
    "starts_on": "2026-11-01",
    "expiry_days": "90",
    "rollover_cap": "",
    "prorate": "on",
    "customer_type_id": "",
}


def test_create_edit_deactivate_and_reactivate(admin_shop: Shop) -> None:
    shop = admin_shop
    browser = shop.browser(user(shop, "admin@acme.test"))
    page = browser.get("/t/acme/wallet/programs")
    assert page.status_code == 200 and "No programs yet" in page.text
    safety = _category(shop, "safety")
    r = browser.post(
        "/t/acme/wallet/programs",
        data={"csrf_token": csrf_of(browser), **GOOD, "category_ids": [str(safety)]},
    )
    assert r.status_code == 303, r.text
    assert _programs(shop) == [
        ("Uniform allowance", 300, "month", date(2026, 11, 1), 90, None, True, [safety], True)
    ]
    page = browser.get("/t/acme/wallet/programs")
    assert "Uniform allowance" in page.text and "expire after 90 days" in page.text
    with shop.portal.db.session(shop.tenant.id) as s:
        pid = s.scalar(select(Program.id))
    edit = {**GOOD, "points_per_period": "450", "rollover_cap": "100", "expiry_days": ""}
    edit.pop("prorate")
    r = browser.post(
        f"/t/acme/wallet/programs/{pid}",
        data={"csrf_token": csrf_of(browser), **edit, "category_ids": [str(safety)]},
    )
    assert r.status_code == 303, r.text
    assert _programs(shop)[0][1:7] == (450, "month", date(2026, 11, 1), None, 100, False)
    r = browser.post(
        f"/t/acme/wallet/programs/{pid}/active",
        data={"csrf_token": csrf_of(browser), "active": "false"},
    )
    assert r.status_code == 303 and _programs(shop)[0][-1] is False
    r = browser.post(
        f"/t/acme/wallet/programs/{pid}/active",
        data={"csrf_token": csrf_of(browser), "active": "true"},
    )
    assert r.status_code == 303 and _programs(shop)[0][-1] is True


def test_bad_input_is_explained_and_changes_nothing(admin_shop: Shop) -> None:
    browser = admin_shop.browser(user(admin_shop, "admin@acme.test"))
    for change, words, status in (
        ({"name": "  "}, "give the program a name", 422),
        ({"points_per_period": "0"}, "points per period", 422),
        ({"points_per_period": "lots"}, "points per period", 422),
        ({"starts_on": "2026-11-30"}, "between 1 and 28", 422),
        ({"expiry_days": "0"}, "expire after", 422),
        ({"rollover_cap": "-1"}, "roll-over cap", 422),
        ({"period": "week"}, "period", 422),
        ({"customer_type_id": "999999"}, "no customer type", 404),
    ):
        r = browser.post(
            "/t/acme/wallet/programs", data={"csrf_token": csrf_of(browser), **GOOD, **change}
        )
        assert r.status_code == status, (change, r.status_code)
        assert "No program was created" in r.text and words in r.text.lower(), words
        # The form keeps what was typed.
        assert 'value="Uniform allowance"' in r.text or change.get("name")
    r = browser.post(
        "/t/acme/wallet/programs",
        data={"csrf_token": csrf_of(browser), **GOOD, "category_ids": ["999999"]},
    )
    assert r.status_code == 404
    assert _programs(admin_shop) == []


def test_a_program_that_granted_keeps_its_renewal_date(admin_shop: Shop) -> None:
    shop = admin_shop
    browser = shop.browser(user(shop, "admin@acme.test"))
    browser.post("/t/acme/wallet/programs", data={"csrf_token": csrf_of(browser), **GOOD})
    renew_all(shop.portal.db.transaction, datetime(2026, 11, 25, tzinfo=UTC))
    with shop.portal.db.session(shop.tenant.id) as s:
        pid = s.scalar(select(Program.id))
    before = _programs(shop)
    page = browser.get(f"/t/acme/wallet/programs/{pid}")
    assert "Fixed: this program has granted points" in page.text
    r = browser.post(
        f"/t/acme/wallet/programs/{pid}",
        data={"csrf_token": csrf_of(browser), **GOOD, "starts_on": "2026-11-05"},
    )
    assert r.status_code == 409 and "renewal date and period stay" in r.text
    assert 'value="2026-11-05"' in r.text
    safety = _category(shop, "safety")
    r = browser.post(
        f"/t/acme/wallet/programs/{pid}",
        data={"csrf_token": csrf_of(browser), **GOOD, "category_ids": [str(safety)]},
    )
    assert r.status_code == 409 and "restricted one" in r.text
    assert _programs(shop) == before


def test_managers_and_buyers_cannot_manage_programs(admin_shop: Shop) -> None:
    for email in ("manager@acme.test", "buyer@acme.test"):
        browser = admin_shop.browser(user(admin_shop, email))
        assert browser.get("/t/acme/wallet/programs").status_code == 403
        r = browser.post("/t/acme/wallet/programs", data={"csrf_token": csrf_of(browser), **GOOD})
        assert r.status_code == 403
    assert _programs(admin_shop) == []
    manager = admin_shop.browser(user(admin_shop, "manager@acme.test"))
    assert "Allowance programs" not in manager.get("/t/acme/").text
    admin = admin_shop.browser(user(admin_shop, "admin@acme.test"))
    assert "Allowance programs" in admin.get("/t/acme/").text


def test_another_tenants_program_is_404(portal: Portal, admin_shop: Shop) -> None:
    browser = admin_shop.browser(user(admin_shop, "admin@acme.test"))
    browser.post("/t/acme/wallet/programs", data={"csrf_token": csrf_of(browser), **GOOD})
    with admin_shop.portal.db.session(admin_shop.tenant.id) as s:
        pid = s.scalar(select(Program.id))
    other = portal.tenant("globex")
    other.user("boss@globex.test", roles=["tenant_admin"])
    theirs = other.browser(user(other, "boss@globex.test"))
    assert theirs.get(f"/t/globex/wallet/programs/{pid}").status_code == 404
    r = theirs.post(
        f"/t/globex/wallet/programs/{pid}/active",
        data={"csrf_token": csrf_of(theirs), "active": "false"},
    )
    assert r.status_code == 404
    r = theirs.post(
        f"/t/globex/wallet/programs/{pid}",
        data={"csrf_token": csrf_of(theirs), **GOOD, "name": "x"},
    )
    assert r.status_code == 404
    assert _programs(admin_shop)[0][0] == "Uniform allowance" and _programs(admin_shop)[0][-1]
