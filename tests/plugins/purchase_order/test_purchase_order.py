"""The purchase-order plugin: PO numbers, credit limits, invoices and the statement."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from commissary.testing import Portal, Shop
from tests.helpers import order_count, sku_id, stock, user, wallet
from tests.payments.po_support import deliver_events, make_po_shop, po_checkout, ship


@pytest.fixture
def po_shop(portal: Portal) -> Shop:
    """Points first, the rest on account: 1 point = 0.10 EUR; the company may owe 50 EUR,
    the North Store 30 EUR."""
    return make_po_shop(portal, company_limit="50", store_limit="30")


def _used(shop: Shop) -> list[str]:
    admin = shop.api(user(shop, "admin@acme.test"))
    return [x["used"] for x in admin.get("/purchase-orders/credit-limits").json()]


def test_a_po_number_must_follow_the_tenants_rule(po_shop: Shop) -> None:
    r = po_checkout(po_shop, [("BOOT-42", 2)], "12345", "k")
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "enter your PO number (PO- and 6 digits)"
    assert order_count(po_shop) == 0
    assert _used(po_shop) == ["0.0000", "0.0000"]


def test_on_account_order_is_invoiced_with_terms_and_paid_off(po_shop: Shop) -> None:
    shop = po_shop
    r = po_checkout(shop, [("BOOT-42", 2)], "PO-123456", "k")  # 300 pts: 100 + 20.00 EUR
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "approved"
    assert _used(shop) == ["20.0000", "20.0000"]
    admin = shop.api(user(shop, "admin@acme.test"))
    assert admin.get("/purchase-orders/statement").json()["invoices"] == []  # not shipped
    ship(shop, r.json(), {"BOOT-42": 2}, "ship-1")
    deliver_events(shop)
    statement = admin.get("/purchase-orders/statement").json()
    (invoice,) = statement["invoices"]
    assert (invoice["po_number"], invoice["amount"], invoice["terms"]) == (
        "PO-123456",
        "20.0000",
        "Net 30",
    )
    assert date.fromisoformat(invoice["due_on"]) - date.fromisoformat(
        invoice["issued_on"]
    ) == timedelta(days=30)
    assert (statement["total"], statement["overdue"]) == ("20.0000", "0")
    paid = admin.post(f"/purchase-orders/invoices/{invoice['id']}/payment")
    assert paid.status_code == 200, paid.text
    assert admin.post(f"/purchase-orders/invoices/{invoice['id']}/payment").status_code == 409
    assert admin.get("/purchase-orders/statement").json()["invoices"] == []
    assert _used(shop) == ["0.0000", "0.0000"]
    buyer = shop.api(user(shop, "buyer@acme.test"))
    assert buyer.get("/purchase-orders/statement").status_code == 403


def test_the_location_limit_declines_and_nothing_changes(po_shop: Shop) -> None:
    shop = po_shop
    assert po_checkout(shop, [("BOOT-42", 2)], "PO-000001", "k1").status_code == 201
    shop.grant(user(shop, "buyer@acme.test"), 10)
    r = po_checkout(shop, [("BOOT-42", 1)], "PO-000002", "k2")  # 10 pts + 14.00 EUR > 30
    assert r.status_code == 409
    assert r.json()["error"]["detail"] == {"code": "credit_limit"}
    assert order_count(shop) == 1
    assert stock(shop, "BOOT-42") == (10, 2)
    assert wallet(shop.portal.db, shop.tenant.id, user(shop, "buyer@acme.test").id) == (10, 0, 100)
    assert _used(shop) == ["20.0000", "20.0000"]


def test_rejected_lines_free_the_credit_and_approved_ones_are_invoiced(po_shop: Shop) -> None:
    shop = po_shop
    r = po_checkout(shop, [("BOOT-42", 2), ("CAP", 3)], "PO-777777", "k")  # 330: waits
    order = r.json()
    assert order["status"] == "pending_approval"
    assert _used(shop) == ["23.0000", "23.0000"]
    lines = {line["sku_code"]: line["id"] for line in order["lines"]}
    manager = shop.api(user(shop, "manager@acme.test"))
    body = {
        "lines": [
            {"line_id": lines["BOOT-42"], "decision": "approve", "reason": "ok"},
            {"line_id": lines["CAP"], "decision": "reject", "reason": "no caps"},
        ]
    }
    assert manager.post(f"/approvals/{order['id']}/decision", json=body).status_code == 200
    assert _used(shop) == ["20.0000", "20.0000"]  # 30 of the PO's 230 points rejected
    ship(shop, order, {"BOOT-42": 2}, "ship-1")
    deliver_events(shop)
    admin = shop.api(user(shop, "admin@acme.test"))
    assert [i["amount"] for i in admin.get("/purchase-orders/statement").json()["invoices"]] == [
        "20.0000"
    ]


def test_another_tenants_invoices_and_locations_are_404(po_shop: Shop) -> None:
    r = po_checkout(po_shop, [("BOOT-42", 2)], "PO-123456", "k")
    assert r.status_code == 201
    ship(po_shop, r.json(), {"BOOT-42": 2}, "ship-1")
    deliver_events(po_shop)
    admin = po_shop.api(user(po_shop, "admin@acme.test"))
    invoice_id = admin.get("/purchase-orders/statement").json()["invoices"][0]["id"]
    other = po_shop.portal.tenant("globex", plugins={"purchase_order": {}})
    theirs = other.api(other.user("boss@globex.test", roles=["tenant_admin"]))
    assert theirs.post(f"/purchase-orders/invoices/{invoice_id}/payment").status_code == 404
    north = po_shop.locations["N1"].id
    body = {"location_id": north, "amount": "5", "currency": "EUR"}
    assert theirs.put("/purchase-orders/credit-limits", json=body).status_code == 404
    assert theirs.get("/purchase-orders/statement").json()["invoices"] == []


def test_concurrent_checkouts_never_pass_the_credit_limit(po_shop: Shop) -> None:
    """Eight buyers of one store check out 8.00 EUR each at once against its 30 EUR line:
    at most three orders go through, and the line's exposure matches them exactly."""
    import threading

    from commissary.errors import DomainError
    from commissary.orders import service
    from commissary.payments.policy import PaymentChoice

    shop = po_shop
    north = shop.locations["N1"]
    people = [shop.user(f"b{i}@acme.test", roles=["buyer"], location=north) for i in range(8)]
    for person in people:
        api = shop.api(person)
        r = api.post("/cart/lines", json={"sku_id": sku_id(shop, "CAP"), "quantity": 8})
        assert r.status_code == 201, r.text
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def checkout(i: int) -> None:
        # Context after the barrier: it opens the write transaction (one writer at a
        # time on SQLite), so opening it before would block the others at the barrier.
        barrier.wait()
        ctx = shop.context(people[i])
        try:
            service.submit(
                ctx,
                idempotency_key=f"race-{i}",
                request_print="x",
                payment=PaymentChoice("purchase_order", {"po_number": f"PO-00000{i}"}),
            )
            ctx.session.commit()
            outcomes.append("ok")
        except DomainError as exc:
            ctx.session.rollback()
            outcomes.append(exc.code)
        finally:
            ctx.session.close()

    threads = [threading.Thread(target=checkout, args=(i,)) for i in range(len(people))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    placed = outcomes.count("ok")
    assert 1 <= placed <= 3, outcomes
    assert set(outcomes) <= {"ok", "insufficient_funds", "conflict"}
    assert order_count(shop) == placed
    used = Decimal(8) * placed
    assert _used(shop) == [f"{used:.4f}", f"{used:.4f}"]
