"""Allowance programs: renewals once per period, pro-rating, rollover caps, targeting."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from commissary.identity.models import User
from commissary.jobs.models import OutboxEvent
from commissary.testing import Shop
from commissary_allowance.models import EntryKind, LedgerEntry, Period
from commissary_allowance.programs import period_of, prorated, renew_all
from tests.helpers import user
from tests.plugins.allowance.support import program, wallets

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LONG_AGO = datetime(2025, 6, 1, tzinfo=UTC)


def _joined(shop: Shop, when: datetime, *emails: str) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        query = update(User).values(created_at=when)
        if emails:
            query = query.where(User.email.in_(emails))
        s.execute(query)


def _renewals(shop: Shop) -> int:
    with shop.portal.db.session(shop.tenant.id) as s:
        return s.scalar(select(func.count()).where(LedgerEntry.kind == EntryKind.RENEWAL)) or 0


def test_periods_follow_the_renewal_date() -> None:
    class P:
        starts_on = date(2026, 1, 15)
        period = Period.QUARTER

    assert period_of(P, date(2026, 1, 14)) is None  # type: ignore[arg-type]
    assert period_of(P, date(2026, 1, 15)) == (date(2026, 1, 15), date(2026, 4, 15))  # type: ignore[arg-type]
    assert period_of(P, date(2026, 11, 25)) == (date(2026, 10, 15), date(2027, 1, 15))  # type: ignore[arg-type]
    P.period = Period.MONTH
    assert period_of(P, date(2026, 11, 14)) == (date(2026, 10, 15), date(2026, 11, 15))  # type: ignore[arg-type]


def test_prorating_worked_by_hand() -> None:
    # 300 a month; November has 30 days; joined on the 21st: 10 days left (21st..30th).
    assert prorated(300, date(2026, 11, 1), date(2026, 12, 1), date(2026, 11, 21)) == 100
    # A quarter of 92 days, joined with 31 days left: floor(500 * 31 / 92) = 168.
    assert prorated(500, date(2026, 10, 1), date(2027, 1, 1), date(2026, 12, 1)) == 168
    assert prorated(300, date(2026, 11, 1), date(2026, 12, 1), date(2026, 10, 3)) == 300


def test_renewal_grants_the_period_once_and_prorates_newcomers(shop: Shop) -> None:
    _joined(shop, LONG_AGO)
    newcomer = shop.user("new@acme.test", location=shop.locations["N1"])
    _joined(shop, datetime(2026, 11, 21, 9, 30, tzinfo=UTC), "new@acme.test")
    program(shop, points=300, starts_on=date(2026, 1, 1))
    buyer = user(shop, "buyer@acme.test")
    people = 3  # manager, buyer, newcomer
    assert renew_all(shop.portal.db.transaction, NOW) == people
    assert renew_all(shop.portal.db.transaction, NOW) == 0  # run twice: granted once
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1300, 0, 0)}
    assert wallets(shop.portal.db, shop.tenant.id, newcomer.id) == {0: (100, 0, 0)}
    # The next period renews again.
    assert renew_all(shop.portal.db.transaction, datetime(2026, 12, 1, tzinfo=UTC)) == people
    assert wallets(shop.portal.db, shop.tenant.id, newcomer.id) == {0: (400, 0, 0)}


def test_concurrent_renewal_jobs_grant_once_per_period(shop: Shop) -> None:
    _joined(shop, LONG_AGO)
    for i in range(6):
        shop.user(f"p{i}@acme.test", location=shop.locations["N1"])
    _joined(shop, LONG_AGO)
    program(shop, points=120)
    barrier = threading.Barrier(4)
    results: list[int] = []

    def job() -> None:
        barrier.wait()
        results.append(renew_all(shop.portal.db.transaction, NOW))

    threads = [threading.Thread(target=job) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 8  # 8 people, each once, whichever job got them
    assert _renewals(shop) == 8
    buyer = user(shop, "buyer@acme.test")
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1120, 0, 0)}


def test_rollover_cap_forfeits_the_programs_unspent_points_above_it(shop: Shop) -> None:
    _joined(shop, LONG_AGO)
    program(shop, points=100, rollover_cap=30)
    buyer = user(shop, "buyer@acme.test")
    renew_all(shop.portal.db.transaction, datetime(2026, 10, 5, tzinfo=UTC))
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1100, 0, 0)}
    renew_all(shop.portal.db.transaction, datetime(2026, 11, 5, tzinfo=UTC))
    # October's 100 unspent: 30 carry over, 70 forfeited; November adds 100. The 1,000
    # points of a plain grant are not the program's and are untouched.
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id) == {0: (1130, 0, 0)}

    # Each owner is told, once, that 70 points expired because of the cap.
    def told() -> list[tuple[int, int, str]]:
        with shop.portal.db.session() as s:
            events = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "points_expired"))
            found = [
                (e.payload["user_id"], e.payload["points"], e.payload["cause"]) for e in events
            ]
        return [t for t in found if t[0] == buyer.id]

    assert told() == [(buyer.id, 70, "rollover_cap")]
    renew_all(shop.portal.db.transaction, datetime(2026, 11, 5, tzinfo=UTC))  # again: no news
    assert told() == [(buyer.id, 70, "rollover_cap")]


def test_a_program_for_a_customer_type_never_grants_to_everyone(shop: Shop) -> None:
    from commissary.segments.models import CustomerType

    _joined(shop, LONG_AGO)
    with shop.portal.db.transaction(shop.tenant.id) as s:
        nobody = CustomerType(tenant_id=shop.tenant.id, code="drivers", name="Drivers")
        s.add(nobody)
        s.flush()
        type_id = nobody.id
    program(shop, points=100, customer_type_id=type_id)  # a type nobody belongs to
    assert renew_all(shop.portal.db.transaction, NOW) == 0
    assert _renewals(shop) == 0


def test_tenant_admins_create_programs_and_bad_input_changes_nothing(shop: Shop) -> None:
    from tests.plugins.allowance.support import category_id

    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    body = {
        "name": "Safety allowance",
        "points_per_period": 150,
        "period": "quarter",
        "starts_on": "2026-01-15",
        "expiry_days": 180,
        "rollover_cap": 50,
        "category_ids": [category_id(shop, "safety")],
    }
    r = admin.post("/wallet/programs", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["customer_type_id"] is None and r.json()["is_active"]
    assert (
        admin.post("/wallet/programs", json={**body, "starts_on": "2026-01-31"}).status_code == 422
    )
    assert admin.post("/wallet/programs", json={**body, "points_per_period": 0}).status_code == 422
    assert admin.post("/wallet/programs", json={**body, "category_ids": [99999]}).status_code == 404
    manager = shop.api(user(shop, "manager@acme.test"))
    assert manager.post("/wallet/programs", json=body).status_code == 403
    assert [p["name"] for p in admin.get("/wallet/programs").json()] == ["Safety allowance"]
    other = shop.portal.tenant("globex")
    boss = other.api(other.user("boss@globex.test", roles=["tenant_admin"]))
    assert boss.post(f"/wallet/programs/{r.json()['id']}/deactivate").status_code == 404
    assert admin.post(f"/wallet/programs/{r.json()['id']}/deactivate").json()["is_active"] is False


def test_the_jobs_run_from_the_command_line(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from commissary_allowance import jobs

    _joined(shop, LONG_AGO)
    program(shop, points=10, starts_on=date(2025, 1, 1))
    monkeypatch.setenv("COMMISSARY_DATABASE_URL", shop.portal.db.url)
    assert jobs.main(["renew"]) == 0
    assert jobs.main(["renew"]) == 0
    assert jobs.main(["expire"]) == 0
    assert jobs.main(["remind", "--days", "7,1"]) == 0
    assert jobs.main(["nonsense"]) == 2
    out = capsys.readouterr().out
    assert "renewed 2 people's allowances" in out and "renewed 0 people's" in out
    assert _renewals(shop) == 2


def test_the_worker_runs_the_allowance_jobs_on_its_schedule(shop: Shop) -> None:
    """register_jobs: renewals, expiry and reminders are scheduled jobs of the worker."""
    from commissary.jobs.schedule import jobs_of

    program(shop, points=300)
    jobs = {job.name: job for job in jobs_of(shop.portal.host)}
    assert {"allowance_renewals", "allowance_expiry", "allowance_reminders"} <= set(jobs)
    assert jobs["allowance_renewals"].every_seconds == 3600
    granted = jobs["allowance_renewals"].run(shop.portal.db, shop.portal.host)
    assert granted >= 1  # the buyer (and the manager) got this period's points
    assert jobs["allowance_renewals"].run(shop.portal.db, shop.portal.host) == 0  # once
    buyer = user(shop, "buyer@acme.test")
    assert wallets(shop.portal.db, shop.tenant.id, buyer.id)[0][0] > 1000
