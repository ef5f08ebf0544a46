"""Shipments and low stock reach people by mail: the buyer gets the tracking number, the
warehouse staff hear that a SKU runs low."""

from __future__ import annotations

from commissary.inventory import stock
from commissary.testing import Shop
from tests.helpers import sku_id, user
from tests.notifications.peers import SmtpSink
from tests.notifications.test_delivery import checkout, drain


def test_a_shipment_mails_the_buyer_and_low_stock_mails_the_warehouse(
    mailing_shop: Shop, smtp: tuple[str, int, SmtpSink]
) -> None:
    _, _, sink = smtp
    shop = mailing_shop
    clerk = shop.user("warehouse@acme.test", roles=["warehouse"])
    api = shop.api(clerk)
    polo = sku_id(shop, "POLO-S")
    assert api.put(f"/stock/{polo}/settings", json={"low_stock_threshold": 8}).status_code == 200
    order = checkout(shop, "POLO-S", 2, "k1")  # approved at once; 8 of 10 left: low
    with shop.portal.db.session(shop.tenant.id) as s:
        main = stock.default_warehouse(s, shop.tenant.id).id
    shipped = api.post(
        f"/orders/{order['id']}/shipments",
        json={
            "warehouse_id": main,
            "carrier": "DHL",
            "tracking_number": "JD014600",
            "lines": [{"order_line_id": order["lines"][0]["id"], "quantity": 2}],
        },
        headers={"Idempotency-Key": "s1"},
    )
    assert shipped.status_code in (200, 201), shipped.text
    drain(shop)
    by_subject = {m.message["Subject"]: m for m in sink.messages}
    number = f"SO-{order['id']:06d}"
    on_its_way = by_subject[f"{number} is on its way"]
    assert on_its_way.rcpt == [user(shop, "buyer@acme.test").email]
    plain = on_its_way.message.get_body(("plain",))
    assert plain is not None and "JD014600" in plain.get_content()
    assert "Low stock: POLO-S (8 left)" in by_subject
    low_to = sorted(m.rcpt[0] for m in sink.messages if m.message["Subject"].startswith("Low"))
    assert low_to == ["admin@acme.test", "warehouse@acme.test"]
