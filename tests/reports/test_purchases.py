"""Purchases: who ordered what and how much, per period, within what the reader may see."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from commissary.identity.models import Location
from commissary.orders.models import LineStatus
from commissary.testing import Portal, Shop, StatementCounter
from tests.helpers import user
from tests.reports.conftest import Seed

PERIOD = {"start": "2026-03-01", "end": "2026-04-30"}


@pytest.fixture
def history(shop: Shop, seed: Seed) -> dict[str, int]:
    """North (with a district store under it) and South; three buyers; March and April."""
    north, south = shop.locations["N1"], shop.locations["S1"]
    district = shop.location("N1-A", "North Annex")
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(Location).where(Location.id == district.id).values(parent_id=north.id))
    ann = user(shop, "buyer@acme.test")  # North
    bob = shop.user("bob@acme.test", location=district)
    sue = shop.user("sue@acme.test", location=south)
    seed(ann, date(2026, 3, 2), [("POLO-S", 2), ("BOOT-42", 1)])  # Mon, week 10
    seed(ann, date(2026, 3, 8), [("POLO-M", 1)])  # Sun, still week 10
    seed(bob, date(2026, 3, 9), [("HELM", 4)])  # Mon, week 11
    seed(sue, date(2026, 4, 15), [("POLO-S", 5), ("HELM", 2, LineStatus.REJECTED)])
    seed(sue, date(2026, 5, 1), [("POLO-S", 9)])  # after the period
    return {"ann": ann.id, "bob": bob.id, "sue": sue.id, "district": district.id}


def admin_api(shop: Shop):  # type: ignore[no-untyped-def]
    return shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))


def test_totals_people_items_and_months(shop: Shop, history: dict[str, int]) -> None:
    r = admin_api(shop).get("/reports/purchases", params={**PERIOD, "bucket": "month"})

    assert r.status_code == 200, r.text
    body = r.json()
    # Polo 40, boots 180, helmet 35 points; the rejected helmets and May's order do not count.
    assert body["totals"] == {"orders": 4, "lines": 5, "units": 13, "points": 640}
    assert body["periods"] == [
        {"start": "2026-03-01", "orders": 3, "units": 8, "points": 440},
        {"start": "2026-04-01", "orders": 1, "units": 5, "points": 200},
    ]
    people = {p["email"]: (p["orders"], p["units"], p["points"]) for p in body["people"]}
    assert people == {
        "buyer@acme.test": (2, 4, 300),
        "bob@acme.test": (1, 4, 140),
        "sue@acme.test": (1, 5, 200),
    }
    assert body["people"][0]["email"] == "buyer@acme.test"  # biggest spender first
    items = {i["sku_code"]: (i["units"], i["points"], i["category"]) for i in body["items"]}
    assert items["POLO-S"] == (7, 280, "Shirts") and items["HELM"] == (4, 140, "Safety")
    locations = {row["name"]: row["points"] for row in body["locations"]}
    assert locations == {"North Store": 300, "North Annex": 140, "South Store": 200}


def test_weeks_start_on_monday_and_empty_weeks_show_as_zero(
    shop: Shop, history: dict[str, int]
) -> None:
    r = admin_api(shop).get(
        "/reports/purchases", params={"start": "2026-03-01", "end": "2026-03-22", "bucket": "week"}
    )
    periods = [(p["start"], p["units"]) for p in r.json()["periods"]]
    assert periods == [
        ("2026-02-23", 0),  # the week holding 1 March (a Sunday)
        ("2026-03-02", 4),  # Monday 2 March and Sunday 8 March together
        ("2026-03-09", 4),
        ("2026-03-16", 0),
    ]


def test_days_are_utc_days(shop: Shop, seed: Seed) -> None:
    from datetime import UTC, datetime

    ann = user(shop, "buyer@acme.test")
    seed(ann, datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), [("POLO-S", 1)])
    seed(ann, datetime(2026, 3, 2, 0, 0, 0, tzinfo=UTC), [("POLO-S", 2)])
    r = admin_api(shop).get(
        "/reports/purchases", params={"start": "2026-03-01", "end": "2026-03-02", "bucket": "day"}
    )
    assert [(p["start"], p["units"]) for p in r.json()["periods"]] == [
        ("2026-03-01", 1),
        ("2026-03-02", 2),
    ]


def test_filters_location_subtree_person_category_and_customer_type(
    shop: Shop, history: dict[str, int]
) -> None:
    api = admin_api(shop)
    north = shop.locations["N1"].id

    def units(**params: object) -> int:
        r = api.get("/reports/purchases", params={**PERIOD, **params})
        assert r.status_code == 200, r.text
        return int(r.json()["totals"]["units"])

    assert units(location_id=north) == 8  # North and the annex under it
    assert units(location_id=history["district"]) == 4
    assert units(user_id=history["sue"]) == 5
    shirts = next(c["id"] for c in api.get("/categories").json() if c["slug"] == "shirts")
    assert units(category_id=shirts) == 8
    kind = api.post("/customer-types", json={"code": "crew", "name": "Crew"}).json()
    r = api.put(f"/users/{history['bob']}/customer-types", json={"customer_type_ids": [kind["id"]]})
    assert r.status_code == 204, r.text
    assert units(customer_type_id=kind["id"]) == 4
    assert units(location_id=north, category_id=shirts) == 3


def test_a_manager_sees_only_the_locations_they_manage(shop: Shop, history: dict[str, int]) -> None:
    boss = shop.user("north-boss@acme.test", roles=["manager"])
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(
            update(Location)
            .where(Location.id == shop.locations["N1"].id)
            .values(manager_id=boss.id)
        )
    api = shop.api(boss)

    r = api.get("/reports/purchases", params=PERIOD)
    assert r.json()["totals"]["units"] == 8  # North and its annex, not South
    assert {p["email"] for p in r.json()["people"]} == {"buyer@acme.test", "bob@acme.test"}
    south = api.get("/reports/purchases", params={**PERIOD, "location_id": shop.locations["S1"].id})
    assert south.status_code == 404
    assert (
        api.get("/reports/purchases", params={**PERIOD, "user_id": history["sue"]}).json()[
            "totals"
        ]["units"]
        == 0
    )


def test_buyers_may_not_see_reports(shop: Shop) -> None:
    buyer = shop.api(user(shop, "buyer@acme.test"))
    assert buyer.get("/reports/purchases").status_code == 403
    assert buyer.get("/reports/purchases.csv").status_code == 403
    assert shop.api().get("/reports/purchases").status_code == 401


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, 422),  # backwards
        ({"start": "2020-01-01", "end": "2026-01-01"}, 422),  # longer than three years
        ({"start": "2025-01-01", "end": "2026-06-01", "bucket": "day"}, 422),  # 500+ bars
        ({"start": "not-a-date"}, 422),
        ({"bucket": "hour"}, 422),
        ({"location_id": 999_999}, 404),
        ({"category_id": 999_999}, 404),
    ],
)
def test_bad_filters_are_refused_clearly(
    shop: Shop, params: dict[str, object], status: int
) -> None:
    r = admin_api(shop).get("/reports/purchases", params=params)
    assert r.status_code == status, r.text


def test_another_tenants_ids_in_filters_are_404(
    portal: Portal, shop: Shop, history: dict[str, int]
) -> None:
    other = portal.tenant("globex")
    boss = other.user("boss@globex.test", roles=["tenant_admin"])
    api = other.api(boss)
    for key, value in (
        ("location_id", shop.locations["N1"].id),
        ("user_id", history["ann"]),
    ):
        r = api.get("/reports/purchases", params={key: value})
        assert r.status_code == 404, (key, r.text)
    # And globex's own report does not include acme's orders.
    assert api.get("/reports/purchases", params=PERIOD).json()["totals"]["lines"] == 0


def test_the_number_of_statements_does_not_grow_with_the_data(
    shop: Shop, seed: Seed, count_statements: StatementCounter
) -> None:
    api = admin_api(shop)
    ann = user(shop, "buyer@acme.test")
    params = {**PERIOD, "bucket": "week", "location_id": shop.locations["N1"].id}

    def statements() -> int:
        count_statements.statements.clear()
        assert api.get("/reports/purchases", params=params).status_code == 200
        return count_statements.count

    seed(ann, date(2026, 3, 3), [("POLO-S", 1)])
    few = statements()
    for day in range(1, 29):
        seed(ann, date(2026, 4, day), [("POLO-S", 1), ("POLO-M", 2), ("HELM", 1)])
    assert statements() == few
    assert few <= 10  # sign-in, the location check, then one statement per breakdown
