"""Velocity: the documented method, checked against a hand-computed example."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from commissary.orders.models import LineStatus
from commissary.reports.velocity import Policy, Urgency, project
from commissary.testing import Shop
from tests.helpers import sku_id, user
from tests.reports.conftest import Seed, set_stock

AS_OF = date(2026, 6, 30)


def test_the_method_matches_the_worked_example_in_the_docs() -> None:
    """docs/reports.md, "A worked example": 90 units in 30 days, 100 available, defaults."""
    p = project(90, 30, 100, Policy(lead_time_days=14, safety_days=7, cover_days=30), AS_OF)
    assert p.daily_demand == 3
    assert p.days_of_cover == Fraction(100, 3)  # 33.3 days
    assert p.stockout_on == date(2026, 8, 2)  # 30 June + 33 days
    assert p.safety_stock == 21  # 3 x 7
    assert p.reorder_point == 63  # 3 x 14 + 21
    assert p.reorder_on == date(2026, 7, 12)  # 30 June + floor((100 - 63) / 3) = 12 days
    assert p.reorder_quantity == 90  # 3 x 30, nothing short today
    assert p.urgency is Urgency.OK


def test_below_the_reorder_point_it_says_now_and_adds_the_shortfall() -> None:
    """25 units in 30 days (5/6 a day), 10 available: reorder today, 25 + (18 - 10)."""
    p = project(25, 30, 10, Policy(14, 7, 30), AS_OF)
    assert p.daily_demand == Fraction(5, 6)
    assert p.safety_stock == 6  # ceil(5/6 x 7 = 5.83)
    assert p.reorder_point == 18  # ceil(5/6 x 14 = 11.67) + 6
    assert p.reorder_on == AS_OF
    assert p.reorder_quantity == 33  # ceil(5/6 x 30 = 25) + 8
    assert p.stockout_on == AS_OF + timedelta(days=12)
    assert p.urgency is Urgency.NOW


def test_no_demand_means_no_projection() -> None:
    p = project(0, 30, 50, Policy(), AS_OF)
    assert (p.stockout_on, p.reorder_on, p.reorder_quantity, p.urgency) == (
        None,
        None,
        0,
        Urgency.IDLE,
    )


def test_the_report_computes_the_example_from_orders_in_the_database(
    shop: Shop, seed: Seed
) -> None:
    buyer = user(shop, "buyer@acme.test")
    start = AS_OF - timedelta(days=29)
    # 90 polos in the 30-day window, at its first and last moments, plus what must not count:
    seed(buyer, start, [("POLO-S", 40)], hour=0)
    seed(buyer, AS_OF, [("POLO-S", 50)], hour=23)
    seed(buyer, start - timedelta(days=1), [("POLO-S", 500)], hour=23)  # before the window
    seed(buyer, AS_OF + timedelta(days=1), [("POLO-S", 500)], hour=0)  # after it
    seed(buyer, AS_OF, [("POLO-S", 7, LineStatus.REJECTED), ("POLO-S", 3, LineStatus.CANCELLED)])
    # 25 boots: below the reorder point.
    seed(buyer, AS_OF - timedelta(days=3), [("BOOT-42", 25)])
    set_stock(shop, "POLO-S", on_hand=130, reserved=30)  # 100 available
    set_stock(shop, "BOOT-42", on_hand=10)
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))

    r = admin.get("/reports/velocity", params={"window": 30, "as_of": AS_OF.isoformat()})

    assert r.status_code == 200, r.text
    rows = {row["sku_code"]: row for row in r.json()["items"]}
    polo, boots = rows["POLO-S"], rows["BOOT-42"]
    assert polo["units_in_window"] == 90 and polo["available"] == 100
    assert (polo["daily_demand"], polo["days_of_cover"]) == (3.0, 33.3)
    assert (polo["stockout_on"], polo["reorder_on"]) == ("2026-08-02", "2026-07-12")
    assert (polo["safety_stock"], polo["reorder_point"], polo["reorder_quantity"]) == (21, 63, 90)
    assert boots["urgency"] == "reorder_now" and boots["reorder_quantity"] == 33
    # Most urgent first; SKUs with stock but no demand are listed as idle.
    codes = [row["sku_code"] for row in r.json()["items"]]
    assert codes[0] == "BOOT-42" and rows["HELM"]["urgency"] == "no_demand"


def test_reorder_settings_per_tenant_and_per_sku(shop: Shop, seed: Seed) -> None:
    buyer = user(shop, "buyer@acme.test")
    seed(buyer, AS_OF, [("POLO-S", 90), ("POLO-M", 90)])
    set_stock(shop, "POLO-S", on_hand=100)
    set_stock(shop, "POLO-M", on_hand=100)
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    manager = shop.api(user(shop, "manager@acme.test"))

    assert admin.put(
        "/reports/reorder-policy",
        json={"lead_time_days": 10, "safety_days": 0, "cover_days": 60},
    ).json() == {"lead_time_days": 10, "safety_days": 0, "cover_days": 60}
    r = admin.put(
        f"/reports/reorder-policy/{sku_id(shop, 'POLO-M')}",
        json={"lead_time_days": 20, "safety_days": 5, "cover_days": 30},
    )
    assert r.status_code == 200, r.text
    bad = admin.put(
        "/reports/reorder-policy", json={"lead_time_days": -1, "safety_days": 0, "cover_days": 0}
    )
    assert bad.status_code == 422
    assert (
        manager.put(
            "/reports/reorder-policy", json={"lead_time_days": 1, "safety_days": 1, "cover_days": 1}
        ).status_code
        == 403
    )

    rows = {
        row["sku_code"]: row
        for row in admin.get(
            "/reports/velocity", params={"window": 30, "as_of": AS_OF.isoformat()}
        ).json()["items"]
    }
    # 3 a day. Default: ROP 30, Q 180. POLO-M: SS 15, ROP 75, Q 90.
    assert (rows["POLO-S"]["reorder_point"], rows["POLO-S"]["reorder_quantity"]) == (30, 180)
    assert (rows["POLO-M"]["reorder_point"], rows["POLO-M"]["reorder_quantity"]) == (75, 90)
    assert admin.get("/reports/reorder-policy").json()["lead_time_days"] == 10


def test_velocity_csv_matches_the_json(shop: Shop, seed: Seed) -> None:
    seed(user(shop, "buyer@acme.test"), AS_OF, [("POLO-S", 90)])
    set_stock(shop, "POLO-S", on_hand=100)
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    r = admin.get("/reports/velocity.csv", params={"window": 30, "as_of": AS_OF.isoformat()})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    polo = next(line for line in r.text.splitlines() if line.startswith('"POLO-S"'))
    assert '"3"' in polo and '"2026-08-02"' in polo and '"2026-07-12"' in polo and '"90"' in polo


def test_another_tenants_sku_has_no_reorder_settings_here(shop: Shop) -> None:
    other = shop.portal.tenant("globex")
    boss = other.api(other.user("boss@globex.test", roles=["tenant_admin"]))
    body = {"lead_time_days": 1, "safety_days": 1, "cover_days": 1}
    r = boss.put(f"/reports/reorder-policy/{sku_id(shop, 'POLO-S')}", json=body)
    assert r.status_code == 404
    admin = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))
    assert admin.get("/reports/velocity").json()["items"][0]["lead_time_days"] == 14


def test_the_integer_arithmetic_equals_the_documented_formulas() -> None:
    """project() computes in integers; the docs state the formulas with fractions."""
    import math
    import random

    rng = random.Random(6)
    for _ in range(2000):
        units, window = rng.randint(1, 5000), rng.choice([7, 14, 30, 90, 365])
        available = rng.randint(0, 3000)
        policy = Policy(rng.randint(0, 60), rng.randint(0, 30), rng.randint(1, 90))
        d = Fraction(units, window)
        p = project(units, window, available, policy, AS_OF)
        ss = math.ceil(d * policy.safety_days)
        rop = math.ceil(d * policy.lead_time_days) + ss
        wait = 0 if available <= rop else math.floor((available - rop) / d)
        assert (p.safety_stock, p.reorder_point) == (ss, rop)
        assert p.reorder_on == AS_OF + timedelta(days=wait)
        assert p.stockout_on == AS_OF + timedelta(days=math.floor(available / d))
        assert p.reorder_quantity == math.ceil(d * policy.cover_days) + max(0, rop - available)
