"""Purchase-order invoices are issued when goods ship: the PO's share of the shipped lines,
by the allocation rule (points pay for a shipment first), due after the payment terms."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from commissary.testing import Portal, Shop
from commissary_purchase_order.invoicing import invoice_shipment
from commissary_purchase_order.models import Invoice
from tests.helpers import user
from tests.payments.po_support import deliver_events, make_po_shop, po_checkout, ship


@pytest.fixture
def po_shop(portal: Portal) -> Shop:
    return make_po_shop(portal)


def _statement(shop: Shop) -> dict:  # type: ignore[type-arg]
    admin = shop.api(user(shop, "admin@acme.test"))
    r = admin.get("/purchase-orders/statement")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _used(shop: Shop) -> list[str]:
    admin = shop.api(user(shop, "admin@acme.test"))
    return [x["used"] for x in admin.get("/purchase-orders/credit-limits").json()]


def test_nothing_is_invoiced_until_goods_ship(po_shop: Shop) -> None:
    r = po_checkout(po_shop, [("BOOT-42", 1), ("CAP", 5)], "PO-100001", "k")  # 200: approved
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "approved"
    deliver_events(po_shop)
    assert _statement(po_shop)["invoices"] == []
    assert _used(po_shop) == ["10.0000", "10.0000"]  # the hold: 100 points on account


def test_each_shipment_invoices_the_po_share_of_its_lines(po_shop: Shop) -> None:
    """200 points: the buyer's 100 points, then 10.00 EUR on account. The boots (150) ship
    first: 100 points pay for them first, the PO pays 50 points = 5.00 EUR. The caps (50)
    ship next: all on account, 5.00 EUR. Each invoice is due in 30 days."""
    shop = po_shop
    order = po_checkout(shop, [("BOOT-42", 1), ("CAP", 5)], "PO-100002", "k").json()
    first = ship(shop, order, {"BOOT-42": 1}, "s1")
    deliver_events(shop)
    statement = _statement(shop)
    (invoice,) = statement["invoices"]
    assert (invoice["amount"], invoice["po_number"], invoice["order_id"]) == (
        "5.0000",
        "PO-100002",
        order["id"],
    )
    assert invoice["shipment_id"] == first["id"]
    assert date.fromisoformat(invoice["due_on"]) - date.fromisoformat(
        invoice["issued_on"]
    ) == timedelta(days=30)
    assert [(x["sku_code"], x["quantity"], x["amount"]) for x in invoice["lines"]] == [
        ("BOOT-42", 1, "5.00")
    ]
    ship(shop, order, {"CAP": 5}, "s2")
    deliver_events(shop)
    amounts = [x["amount"] for x in _statement(shop)["invoices"]]
    assert amounts == ["5.0000", "5.0000"]
    assert _statement(shop)["total"] == "10.0000"
    # The exposure moved from the hold to the open invoices: still 10.00 until paid.
    assert _used(shop) == ["10.0000", "10.0000"]
    admin = shop.api(user(shop, "admin@acme.test"))
    for x in _statement(shop)["invoices"]:
        assert admin.post(f"/purchase-orders/invoices/{x['id']}/payment").status_code == 200
    assert _used(shop) == ["0.0000", "0.0000"]


def test_a_shipment_paid_by_points_owes_nothing(po_shop: Shop) -> None:
    order = po_checkout(po_shop, [("CAP", 5), ("BOOT-42", 1)], "PO-100003", "k").json()
    ship(po_shop, order, {"CAP": 5}, "s1")  # 50 of the buyer's 100 points
    deliver_events(po_shop)
    assert _statement(po_shop)["invoices"] == []
    ship(po_shop, order, {"BOOT-42": 1}, "s2")  # 50 points, then 100 on account
    deliver_events(po_shop)
    assert [x["amount"] for x in _statement(po_shop)["invoices"]] == ["10.0000"]


def test_a_redelivered_event_does_not_invoice_twice(po_shop: Shop) -> None:
    shop = po_shop
    order = po_checkout(shop, [("BOOT-42", 1), ("CAP", 5)], "PO-100004", "k").json()
    shipment = ship(shop, order, {"BOOT-42": 1}, "s1")
    deliver_events(shop)
    event = {
        "order_id": order["id"],
        "shipment_id": shipment["id"],
        "lines": [{"line_id": order["lines"][0]["id"], "quantity": 1}],
    }
    ctx = shop.context()
    again = invoice_shipment(ctx, event)
    ctx.session.commit()
    assert again is not None and again.amount == Decimal("5.0000")
    with shop.portal.db.session(shop.tenant.id) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 1
    # The next shipment is still priced from the right place on the tape.
    ship(shop, order, {"CAP": 5}, "s2")
    deliver_events(shop)
    assert [x["amount"] for x in _statement(shop)["invoices"]] == ["5.0000", "5.0000"]


def test_rejected_lines_are_never_invoiced_and_cancelled_ones_free_credit(
    po_shop: Shop,
) -> None:
    """330 points wait for approval: caps rejected, boots approved. Only the boots ship
    and are invoiced: 300 - 100 points = 20.00 EUR."""
    shop = po_shop
    order = po_checkout(shop, [("BOOT-42", 2), ("CAP", 3)], "PO-100005", "k").json()
    assert order["status"] == "pending_approval"
    lines = {x["sku_code"]: x["id"] for x in order["lines"]}
    manager = shop.api(user(shop, "manager@acme.test"))
    body = {
        "lines": [
            {"line_id": lines["BOOT-42"], "decision": "approve", "reason": "ok"},
            {"line_id": lines["CAP"], "decision": "reject", "reason": "no caps"},
        ]
    }
    assert manager.post(f"/approvals/{order['id']}/decision", json=body).status_code == 200
    assert _used(shop) == ["20.0000", "20.0000"]
    ship(shop, order, {"BOOT-42": 2}, "s1")
    deliver_events(shop)
    assert [x["amount"] for x in _statement(shop)["invoices"]] == ["20.0000"]
    assert _used(shop) == ["20.0000", "20.0000"]


def test_racing_deliveries_invoice_each_shipment_once(po_shop: Shop) -> None:
    """Two shipments of one order, each delivered twice at the same moment (four handler
    runs): one invoice per shipment, and together they are exactly the PO's share."""
    import threading

    from commissary.jobs.models import OutboxEvent

    shop = po_shop
    order = po_checkout(shop, [("BOOT-42", 1), ("CAP", 5)], "PO-100006", "k").json()
    ship(shop, order, {"BOOT-42": 1}, "s1")
    ship(shop, order, {"CAP": 5}, "s2")
    with shop.portal.db.session(shop.tenant.id) as s:
        events = [
            dict(e.payload)
            for e in s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "order_shipped"))
        ]
    assert len(events) == 2
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def deliver(event: dict) -> None:  # type: ignore[type-arg]
        barrier.wait()
        ctx = shop.context()
        try:
            invoice_shipment(ctx, event)
            ctx.session.commit()
        except BaseException as exc:
            ctx.session.rollback()
            errors.append(exc)
        finally:
            ctx.session.close()

    threads = [threading.Thread(target=deliver, args=(e,)) for e in events + events]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with shop.portal.db.session(shop.tenant.id) as s:
        rows = s.execute(select(Invoice.shipment_id, Invoice.amount)).all()
    # Whichever shipment came first was paid by points first: 0 + 10.00 or 5.00 + 5.00.
    assert len({shipment for shipment, _ in rows}) == len(rows) == 2
    assert sum(amount for _, amount in rows) == Decimal("10.0000")


def test_a_cancelled_line_that_never_shipped_frees_credit_without_a_credit_note(
    po_shop: Shop,
) -> None:
    """Caps (50) ship and are paid by points; the boots (150) are cancelled before they
    ship: the PO's 10.00 EUR comes back first (tape rule), frees the credit line, and no
    invoice or credit note is written for goods that never shipped."""
    shop = po_shop
    order = po_checkout(shop, [("BOOT-42", 1), ("CAP", 5)], "PO-100007", "k").json()
    ship(shop, order, {"CAP": 5}, "s1")
    deliver_events(shop)
    boots = next(x["id"] for x in order["lines"] if x["sku_code"] == "BOOT-42")
    buyer = shop.api(user(shop, "buyer@acme.test"))
    r = buyer.post(f"/orders/{order['id']}/cancel", json={"line_ids": [boots], "reason": "x"})
    assert r.status_code == 200, r.text
    assert _used(shop) == ["0.0000", "0.0000"]
    with shop.portal.db.session(shop.tenant.id) as s:
        assert [i.amount for i in s.scalars(select(Invoice))] == [Decimal("0.0000")]
    assert _statement(shop)["invoices"] == []


def test_returned_goods_that_were_invoiced_get_a_credit_note(po_shop: Shop) -> None:
    shop = po_shop
    order = po_checkout(shop, [("BOOT-42", 1), ("CAP", 5)], "PO-100008", "k").json()
    ship(shop, order, {"BOOT-42": 1, "CAP": 5}, "s1")
    deliver_events(shop)
    assert [x["amount"] for x in _statement(shop)["invoices"]] == ["10.0000"]
    manager = shop.api(user(shop, "manager@acme.test"))
    r = manager.post(
        f"/payments/orders/{order['id']}/refunds",
        json={"points": 30, "reason": "three caps returned"},
        headers={"Idempotency-Key": "ret-1"},
    )
    assert r.status_code == 200, r.text
    with shop.portal.db.session(shop.tenant.id) as s:
        notes = [(i.amount, i.paid_at is not None) for i in s.scalars(select(Invoice))]
    assert sorted(notes) == [(Decimal("-3.0000"), True), (Decimal("10.0000"), False)]
    assert _used(shop) == ["7.0000", "7.0000"]
