"""Per-tenant reminder thresholds and digest period: set by tenant admins on the page and
through the API, validated (bad input is a 4xx and changes nothing), and used by the jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from commissary.db import utcnow
from commissary.jobs.models import OutboxEvent
from commissary.notifications.digest import send_digests
from commissary.notifications.models import DigestItem
from commissary.notifications.reminders import remind_waiting_approvals
from commissary.orders.models import Order
from commissary.testing import Shop, csrf_of
from commissary_allowance import service as allowance
from commissary_allowance.jobs import remind_all
from tests.helpers import user
from tests.notifications.test_delivery import checkout

DEFAULTS = {
    "points_expiring_days": [14, 3],
    "approval_waiting_days": [2, 7],
    "budget_percents": [80, 100],
    "digest_period": "daily",
    "default_language": "en",
}


def test_admins_set_thresholds_through_the_api_and_bad_input_changes_nothing(
    mailing_shop: Shop,
) -> None:
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    assert admin.get("/notifications/settings").json() == DEFAULTS
    wanted = {
        "points_expiring_days": [3, 30, 14],
        "approval_waiting_days": [1],
        "budget_percents": [100, 50, 90],
        "digest_period": "weekly",
        "default_language": "de",
    }
    r = admin.put("/notifications/settings", json=wanted)
    assert r.status_code == 200, r.text
    saved = {
        **wanted,
        "points_expiring_days": [30, 14, 3],
        "budget_percents": [50, 90, 100],
    }
    assert r.json() == saved
    for bad, field in [
        ({"points_expiring_days": [0]}, "points_expiring_days"),
        ({"points_expiring_days": [366]}, "points_expiring_days"),
        ({"points_expiring_days": [3, 3]}, "points_expiring_days"),
        ({"approval_waiting_days": [1, 2, 3, 4, 5, 6]}, "approval_waiting_days"),
        ({"budget_percents": [250]}, "budget_percents"),
        ({"budget_percents": [True]}, "budget_percents"),
        ({"digest_period": "hourly"}, "digest_period"),
        ({"default_language": "xx"}, "default_language"),
        ({"points_expiring_days": ["soon"]}, None),
        ({"surprise": 1}, None),
    ]:
        r = admin.put("/notifications/settings", json={**saved, **bad})
        assert r.status_code == 422, (bad, r.text)
        if field:
            assert field in r.text
        assert admin.get("/notifications/settings").json() == saved
    buyer = mailing_shop.api(user(mailing_shop, "buyer@acme.test"))
    assert buyer.get("/notifications/settings").status_code == 403
    assert buyer.put("/notifications/settings", json=DEFAULTS).status_code == 403
    assert admin.get("/notifications/settings").json() == saved


def test_the_settings_form_shows_a_mistake_and_saves_nothing(mailing_shop: Shop) -> None:
    browser = mailing_shop.browser(user(mailing_shop, "admin@acme.test"))
    page = browser.get("/t/acme/notifications/templates")
    assert 'value="14, 3"' in page.text and "Reminders, digest and language" in page.text
    form: dict[str, Any] = {
        "csrf_token": csrf_of(browser),
        "points_expiring_days": "14, soon",
        "approval_waiting_days": "2, 7",
        "budget_percents": "80, 100",
        "digest_period": "weekly",
        "default_language": "fr",
    }
    r = browser.post("/t/acme/notifications/settings", data=form)
    assert r.status_code == 422
    assert "Nothing was saved" in r.text and 'value="14, soon"' in r.text
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    assert admin.get("/notifications/settings").json() == DEFAULTS
    r = browser.post(
        "/t/acme/notifications/settings", data={**form, "points_expiring_days": "21; 7"}
    )
    assert r.status_code == 303
    assert admin.get("/notifications/settings").json() == {
        **DEFAULTS,
        "points_expiring_days": [21, 7],
        "digest_period": "weekly",
        "default_language": "fr",
    }
    buyer = mailing_shop.browser(user(mailing_shop, "buyer@acme.test"))
    assert buyer.get("/t/acme/notifications/templates").status_code == 403


def _put(shop: Shop, **changes: Any) -> None:
    admin = shop.api(user(shop, "admin@acme.test"))
    r = admin.put("/notifications/settings", json={**DEFAULTS, **changes})
    assert r.status_code == 200, r.text


def _expiring_events(shop: Shop) -> list[int]:
    with shop.portal.db.session() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "points_expiring"))
        return [int(e.payload["days"]) for e in rows]


def test_points_reminders_follow_the_tenants_days(mailing_shop: Shop) -> None:
    buyer = user(mailing_shop, "buyer@acme.test")
    tid = mailing_shop.tenant.id
    with mailing_shop.portal.db.transaction(tid) as s:
        allowance.credit(s, tid, buyer.id, 40, key="lot", reason="x",
                         expires_at=utcnow() + timedelta(days=20))  # fmt: skip
    transaction = mailing_shop.portal.db.transaction
    assert remind_all(transaction, utcnow()) == 0  # 20 days away: beyond 14
    _put(mailing_shop, points_expiring_days=[30, 21])
    assert remind_all(transaction, utcnow()) == 1
    assert remind_all(transaction, utcnow()) == 0  # once per lot and threshold
    assert _expiring_events(mailing_shop) == [21]
    _put(mailing_shop, points_expiring_days=[])  # reminders off
    assert remind_all(transaction, utcnow() + timedelta(days=10)) == 0


def test_approval_reminders_follow_the_tenants_days(mailing_shop: Shop) -> None:
    checkout(mailing_shop, "BOOT-42", 2, "k1")  # waits for approval
    with mailing_shop.portal.db.transaction(mailing_shop.tenant.id) as s:
        s.execute(update(Order).values(submitted_at=utcnow() - timedelta(days=1, hours=2)))
    db, host = mailing_shop.portal.db, mailing_shop.portal.host
    assert remind_waiting_approvals(db, host) == 0  # the default first reminder is at 2 days
    _put(mailing_shop, approval_waiting_days=[1])
    assert remind_waiting_approvals(db, host) == 1
    assert remind_waiting_approvals(db, host) == 0


def test_the_digest_waits_for_the_tenants_period(mailing_shop: Shop) -> None:
    buyer = user(mailing_shop, "buyer@acme.test")
    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    assert admin.put("/notifications/digest", json={"kinds": ["order_submitted"]}).is_success
    checkout(mailing_shop, "POLO-S", 1, "k1")
    from tests.notifications.test_delivery import drain

    drain(mailing_shop)
    with mailing_shop.portal.db.transaction(mailing_shop.tenant.id) as s:
        s.execute(
            update(DigestItem)
            .where(DigestItem.user_id == buyer.id)
            .values(created_at=utcnow() - timedelta(days=2))
        )
    db, host = mailing_shop.portal.db, mailing_shop.portal.host
    _put(mailing_shop, digest_period="weekly")
    assert send_digests(db, host) == 0  # two days old: a weekly digest is not due
    _put(mailing_shop, digest_period="daily")
    assert send_digests(db, host) == 1


def test_budget_alerts_follow_the_tenants_percentages(mailing_shop: Shop) -> None:
    from commissary.budgets import alerts

    admin = mailing_shop.api(user(mailing_shop, "admin@acme.test"))
    r = admin.post(
        "/budgets",
        json={
            "location_id": mailing_shop.locations["N1"].id,
            "period": "month",
            "amount_points": 100,
        },
    )
    assert r.status_code == 201, r.text
    checkout(mailing_shop, "POLO-S", 1, "k1")  # 40 points, approved at once: 40 % spent
    db, host = mailing_shop.portal.db, mailing_shop.portal.host
    assert alerts.check_all(db, host) == 0  # below 80 %
    _put(mailing_shop, budget_percents=[25, 40])
    assert alerts.check_all(db, host) == 1
    assert alerts.check_all(db, host) == 0
    with mailing_shop.portal.db.session() as s:
        [payload] = s.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.topic == "budget_threshold")
        ).all()
    assert (payload["percent"], payload["spent"]) == (40, 40)
