"""Report pages: charts and tables for managers and admins, clear empty states."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from commissary.testing import Shop, StatementCounter
from tests.helpers import user
from tests.reports.conftest import Seed, set_stock

REPORTS = ("purchases", "velocity", "stock", "shipments")


@pytest.fixture
def admin(shop: Shop):  # type: ignore[no-untyped-def]
    return shop.browser(shop.user("admin@acme.test", roles=["tenant_admin"]))


def test_every_report_page_shows_charts_and_tables(
    shop: Shop,
    seed: Seed,
    admin,
    count_statements: StatementCounter,  # type: ignore[no-untyped-def]
) -> None:
    ann = user(shop, "buyer@acme.test")
    today = date.today()
    for days_ago in (1, 3, 8, 20):
        seed(ann, today - timedelta(days=days_ago), [("POLO-S", 2), ("BOOT-42", 1)])
    set_stock(shop, "POLO-S", on_hand=9)

    for name in REPORTS:
        count_statements.statements.clear()
        page = admin.get(f"/t/acme/reports/{name}")
        assert page.status_code == 200, (name, page.text[:500])
        assert count_statements.count <= 16, (name, count_statements.count)
        html = page.text
        assert 'aria-current="page">Reports</a>' in html  # the nav link
        assert f'href="/t/acme/reports/{name}" aria-current="page"' in html  # the tab
    purchases = admin.get("/t/acme/reports/purchases").text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-spend"' in purchases
    assert "Points spent" in purchases and "Buyer" in purchases and "Polo shirt" in purchases
    velocity = admin.get("/t/acme/reports/velocity").text
    assert 'id="chart-velocity"' in velocity and "Reorder now" in velocity
    stock = admin.get("/t/acme/reports/stock").text
    assert 'id="chart-stock"' in stock and "POLO-S" in stock
    assert "No open backorders" in admin.get("/t/acme/reports/shipments").text


def test_empty_reports_say_what_to_do(shop: Shop, admin) -> None:  # type: ignore[no-untyped-def]
    purchases = admin.get("/t/acme/reports/purchases").text
    assert "No purchases in this period" in purchases and "Show the last 12 months" in purchases
    assert "Nothing shipped in this period" in admin.get("/t/acme/reports/shipments").text
    low = admin.get("/t/acme/reports/stock?low=true").text
    assert "Nothing is running low" in low or "POLO" in low


def test_filters_from_the_form_and_csv_downloads(shop: Shop, seed: Seed, admin) -> None:  # type: ignore[no-untyped-def]
    ann = user(shop, "buyer@acme.test")
    seed(ann, date.today(), [("POLO-S", 2)])
    north = shop.locations["N1"].id
    # An HTML form sends empty strings for "all".
    page = admin.get(
        f"/t/acme/reports/purchases?start=&end=&bucket=&location_id={north}"
        "&customer_type_id=&category_id=&user_id="
    )
    assert page.status_code == 200, page.text[:300]
    assert f'<option value="{north}" selected>' in page.text
    csv = admin.get(f"/t/acme/reports/purchases.csv?view=people&location_id={north}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert '"Buyer","buyer@acme.test","1","2","80"' in csv.text
    for name in ("velocity", "stock", "shipments"):
        assert admin.get(f"/t/acme/reports/{name}.csv").status_code == 200
    bad = admin.get("/t/acme/reports/purchases?start=2026-05-01&end=2026-01-01")
    assert bad.status_code == 422 and "starts after it ends" in bad.text


def test_managers_get_reports_and_buyers_do_not(shop: Shop) -> None:
    manager = shop.browser(user(shop, "manager@acme.test"))
    page = manager.get("/t/acme/reports/purchases")
    assert page.status_code == 200
    # The location filter offers only what the manager manages.
    assert "North Store" in page.text and "South Store" in page.text
    buyer = shop.browser(user(shop, "buyer@acme.test"))
    assert buyer.get("/t/acme/reports/purchases").status_code == 403
    assert ">Reports</a>" not in buyer.get("/t/acme/").text
    assert shop.browser().get("/t/acme/reports/purchases").status_code in (303, 401)
