"""The Invoices & credit page (statement, mark paid, CSV) and the Credit limits page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from commissary.testing import Portal, Shop, StatementCounter, csrf_of
from commissary_purchase_order.models import CreditLimit, Invoice, PoAuthorization
from tests.helpers import user
from tests.payments.po_support import deliver_events, make_po_shop, po_checkout, ship


@pytest.fixture
def po_shop(portal: Portal) -> Shop:
    return make_po_shop(portal)


def _invoiced(shop: Shop, po: str = "PO-200001", key: str = "k") -> dict:  # type: ignore[type-arg]
    """An order of 200 points (100 on account: 10.00 EUR) shipped and invoiced."""
    order = po_checkout(shop, [("BOOT-42", 1), ("CAP", 5)], po, key).json()
    ship(shop, order, {"BOOT-42": 1, "CAP": 5}, f"ship-{key}")
    deliver_events(shop)
    return order  # type: ignore[no-any-return]


def _limits(shop: Shop) -> dict[int | None, tuple[Decimal, Decimal, str]]:
    with shop.portal.db.session(shop.tenant.id) as s:
        return {
            x.location_id: (x.amount, x.used, x.currency) for x in s.scalars(select(CreditLimit))
        }


def test_the_statement_lists_open_invoices_with_overdue_ones_marked(po_shop: Shop) -> None:
    order = _invoiced(po_shop)
    with po_shop.portal.db.transaction(po_shop.tenant.id) as s:
        for invoice in s.scalars(select(Invoice)):
            invoice.due_on -= timedelta(days=45)
    page = po_shop.browser(user(po_shop, "admin@acme.test")).get(
        "/t/acme/purchase-orders/statement"
    )
    assert page.status_code == 200, page.text
    assert f"SO-{order['id']:06d}" in page.text and "PO-200001" in page.text
    assert 'class="is-overdue"' in page.text and "15 days overdue" in page.text
    assert "10.00" in page.text and "Mark paid" in page.text
    assert "Download CSV" in page.text


def test_a_manager_sees_their_locations_statement_without_payment_buttons(
    po_shop: Shop,
) -> None:
    _invoiced(po_shop)
    browser = po_shop.browser(user(po_shop, "manager@acme.test"))
    page = browser.get("/t/acme/purchase-orders/statement")
    assert page.status_code == 200
    assert "North Store" in page.text and "PO-200001" in page.text
    assert "Mark paid" not in page.text and "Company account" not in page.text
    # The company account is for admins only; another location's id is a 404.
    assert browser.get("/t/acme/purchase-orders/statement?account=company").status_code == 404
    invoice_id = _open_ids(po_shop)[0]
    r = browser.post(
        f"/t/acme/purchase-orders/invoices/{invoice_id}/paid",
        data={"csrf_token": csrf_of(browser)},
    )
    assert r.status_code == 403
    assert _open_ids(po_shop) == [invoice_id]


def test_a_buyer_cannot_open_the_statement(po_shop: Shop) -> None:
    browser = po_shop.browser(user(po_shop, "buyer@acme.test"))
    assert browser.get("/t/acme/purchase-orders/statement").status_code == 403
    assert browser.get("/t/acme/purchase-orders/credit-limits").status_code == 403


def _open_ids(shop: Shop) -> list[int]:
    with shop.portal.db.session(shop.tenant.id) as s:
        return list(s.scalars(select(Invoice.id).where(Invoice.paid_at.is_(None))))


def test_marking_paid_frees_credit_once_and_needs_the_csrf_token(po_shop: Shop) -> None:
    _invoiced(po_shop)
    (invoice_id,) = _open_ids(po_shop)
    browser = po_shop.browser(user(po_shop, "admin@acme.test"))
    url = f"/t/acme/purchase-orders/invoices/{invoice_id}/paid"
    assert browser.post(url, data={}).status_code == 403  # no CSRF token
    assert _open_ids(po_shop) == [invoice_id]
    r = browser.post(url, data={"csrf_token": csrf_of(browser), "account": "company"})
    assert r.status_code == 303
    assert _open_ids(po_shop) == []
    assert _limits(po_shop)[None][1] == Decimal("0")
    again = browser.post(url, data={"csrf_token": csrf_of(browser), "account": "company"})
    assert again.status_code == 409 and "paid already" in again.text
    assert _limits(po_shop)[None][1] == Decimal("0")


def test_the_csv_is_formula_safe(po_shop: Shop) -> None:
    shop = po_shop
    _invoiced(shop, po="PO-300001")
    # A PO number that a spreadsheet would run as a formula.
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(PoAuthorization).values(po_number="=HYPERLINK(1)"))
    r = shop.browser(user(shop, "admin@acme.test")).get(
        "/t/acme/purchase-orders/statement.csv?account=company"
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["invoice", "order", "po_number"]
    assert rows[1][2] == "'=HYPERLINK(1)"
    assert rows[1][6] == "10.0000"


def test_the_statement_costs_the_same_however_many_invoices(
    po_shop: Shop, count_statements: StatementCounter
) -> None:
    browser = po_shop.browser(user(po_shop, "admin@acme.test"))
    _invoiced(po_shop, "PO-400001", "a")
    before = count_statements.count
    assert browser.get("/t/acme/purchase-orders/statement").status_code == 200
    one = count_statements.count - before
    for i in range(3):
        _invoiced(po_shop, f"PO-40001{i}", f"b{i}")
    before = count_statements.count
    page = browser.get("/t/acme/purchase-orders/statement")
    assert page.text.count("Mark paid") == 4
    assert count_statements.count - before == one


def test_credit_limits_are_set_from_the_page_and_bad_input_changes_nothing(
    po_shop: Shop,
) -> None:
    shop = po_shop
    browser = shop.browser(user(shop, "admin@acme.test"))
    page = browser.get("/t/acme/purchase-orders/credit-limits")
    assert page.status_code == 200 and "South Store" in page.text
    south = shop.locations["S1"].id
    before = _limits(shop)

    def post(location: str, amount: str, currency: str = "EUR"):  # type: ignore[no-untyped-def]
        return browser.post(
            "/t/acme/purchase-orders/credit-limits",
            data={
                "csrf_token": csrf_of(browser),
                "location": location,
                "amount": amount,
                "currency": currency,
            },
        )

    for location, amount, currency, status, words in (
        (str(south), "lots", "EUR", 422, "is not an amount"),
        (str(south), "-5", "EUR", 422, "cannot be negative"),
        (str(south), "10", "EURO", 422, "three-letter"),
        ("company", "1.23456", "EUR", 422, "four decimals"),
        ("x", "10", "EUR", 422, "choose the company or a location"),
        ("999999", "10", "EUR", 404, "no such location"),
    ):
        r = post(location, amount, currency)
        assert r.status_code == status, (amount, r.text)
        assert words in r.text.lower()
        assert "The limit was not changed" in r.text
        assert f'value="{amount}"' in r.text or location in ("x", "999999")
    assert _limits(shop) == before
    # Below what is used already: refused.
    _invoiced(shop)
    r = post(str(shop.locations["N1"].id), "5")
    assert r.status_code == 409 and "already used" in r.text
    assert post(str(south), "750.50").status_code == 303
    assert _limits(shop)[south] == (Decimal("750.5000"), Decimal("0"), "EUR")


def test_another_tenants_location_and_invoice_are_404(portal: Portal) -> None:
    acme = make_po_shop(portal)
    _invoiced(acme)
    (invoice_id,) = _open_ids(acme)
    globex = make_po_shop(portal, "globex")
    browser = globex.browser(user(globex, "admin@globex.test"))
    north = acme.locations["N1"].id
    r = browser.post(
        "/t/globex/purchase-orders/credit-limits",
        data={
            "csrf_token": csrf_of(browser),
            "location": str(north),
            "amount": "1",
            "currency": "EUR",
        },
    )
    assert r.status_code == 404
    r = browser.post(
        f"/t/globex/purchase-orders/invoices/{invoice_id}/paid",
        data={"csrf_token": csrf_of(browser)},
    )
    assert r.status_code == 404
    assert _open_ids(acme) == [invoice_id]
    assert browser.get(f"/t/globex/purchase-orders/statement?account={north}").status_code == 404
    assert "PO-200001" not in browser.get("/t/globex/purchase-orders/statement").text


def test_empty_states(po_shop: Shop) -> None:
    page = po_shop.browser(user(po_shop, "admin@acme.test")).get(
        "/t/acme/purchase-orders/statement"
    )
    assert "No open invoices" in page.text
    # A manager of no location.
    po_shop.user("lonely@acme.test", roles=["manager"])
    page = po_shop.browser(user(po_shop, "lonely@acme.test")).get(
        "/t/acme/purchase-orders/statement"
    )
    assert page.status_code == 200 and "You manage no location yet" in page.text
