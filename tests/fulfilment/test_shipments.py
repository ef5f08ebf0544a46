"""Shipments: split over warehouses, partial, idempotent, with the order following along."""

from __future__ import annotations

from sqlalchemy import select

from commissary.identity.models import User
from commissary.inventory.models import StockMovement, WarehouseStock
from commissary.jobs.models import OutboxEvent
from commissary.testing import Shop
from tests.fulfilment.conftest import line_of, place, post_shipment
from tests.helpers import sku_id, stock, user


def _warehouse_level(shop: Shop, warehouse_id: int, code: str) -> tuple[int, int]:
    with shop.portal.db.session(shop.tenant.id) as s:
        row = s.get(WarehouseStock, (warehouse_id, sku_id(shop, code)))
        return (row.on_hand, row.allocated) if row else (0, 0)


def _topics(shop: Shop, prefix: str) -> list[dict]:  # type: ignore[type-arg]
    with shop.portal.db.session(shop.tenant.id) as s:
        return [
            e.payload
            for e in s.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == prefix).order_by(OutboxEvent.id)
            )
        ]


def test_split_shipment_from_two_warehouses_ships_the_order_in_full(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    order = place(shop, ("POLO-S", 6))
    polo = line_of(order, "POLO-S")
    assert stock(shop, "POLO-S") == (14, 6)  # 10 in MAIN + 4 in EAST, 6 promised
    api = shop.api(clerk)

    first = post_shipment(
        api,
        order,
        "s1",
        warehouse_id=warehouses["EAST"],
        carrier="DHL",
        tracking_number="JD001",
        lines=[{"order_line_id": polo, "quantity": 4}],
    )
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "shipped"
    mine = shop.api(user(shop, "buyer@acme.test"))
    now = mine.get(f"/orders/{order['id']}").json()
    assert now["status"] == "in_fulfilment"  # a partial shipment: the line waits for 2 more
    assert now["lines"][0]["status"] == "in_fulfilment"
    assert stock(shop, "POLO-S") == (10, 2)
    assert _warehouse_level(shop, warehouses["EAST"], "POLO-S") == (0, 0)

    second = post_shipment(
        api,
        order,
        "s2",
        warehouse_id=warehouses["MAIN"],
        carrier="UPS",
        tracking_number="1Z9",
        lines=[{"order_line_id": polo, "quantity": 2}],
    )
    assert second.status_code == 201, second.text
    now = mine.get(f"/orders/{order['id']}").json()
    assert now["status"] == "shipped"
    assert stock(shop, "POLO-S") == (8, 0)
    assert _warehouse_level(shop, warehouses["MAIN"], "POLO-S") == (8, 0)

    shipments = mine.get(f"/orders/{order['id']}/shipments").json()
    assert [(s["carrier"], s["tracking_number"]) for s in shipments] == [
        ("DHL", "JD001"),
        ("UPS", "1Z9"),
    ]
    events = _topics(shop, "order_shipped")
    assert [e["order_status"] for e in events] == ["in_fulfilment", "shipped"]
    assert events[0]["lines"] == [{"line_id": polo, "quantity": 4}]

    for s in shipments:
        r = api.post(f"/orders/{order['id']}/shipments/{s['id']}/deliver")
        assert r.status_code == 200, r.text
    assert mine.get(f"/orders/{order['id']}").json()["status"] == "delivered"
    assert [e["order_status"] for e in _topics(shop, "order_delivered")] == [
        "shipped",
        "delivered",
    ]


def test_prepared_shipment_holds_units_in_its_warehouse_until_it_ships(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    order = place(shop, ("BOOT-42", 1))
    api = shop.api(clerk)
    r = post_shipment(
        api,
        order,
        "prep",
        warehouse_id=warehouses["EAST"],
        status="preparing",
        lines=[{"order_line_id": line_of(order, "BOOT-42"), "quantity": 1}],
    )
    assert r.status_code == 201, r.text
    shipment = r.json()
    assert _warehouse_level(shop, warehouses["EAST"], "BOOT-42") == (2, 1)
    assert stock(shop, "BOOT-42") == (7, 1)

    # The allocated unit cannot be written off from under the shipment.
    adjust = shop.api(clerk).post(
        f"/warehouses/{warehouses['EAST']}/stock/adjustments",
        json={"sku_id": sku_id(shop, "BOOT-42"), "delta": -2, "reason": "damaged"},
    )
    assert adjust.status_code == 409

    done = api.post(
        f"/orders/{order['id']}/shipments/{shipment['id']}/ship",
        json={"carrier": "GLS", "tracking_number": "G-1"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["tracking_number"] == "G-1"
    assert _warehouse_level(shop, warehouses["EAST"], "BOOT-42") == (1, 0)
    assert stock(shop, "BOOT-42") == (6, 0)
    again = api.post(f"/orders/{order['id']}/shipments/{shipment['id']}/ship")
    assert again.status_code == 409
    with shop.portal.db.session(shop.tenant.id) as s:
        moves = s.scalars(
            select(StockMovement).where(StockMovement.shipment_id == shipment["id"])
        ).all()
        assert [(m.delta, m.reason.value, m.order_id) for m in moves] == [
            (-1, "shipment", order["id"])
        ]


def test_posting_a_shipment_again_with_the_same_key_returns_the_first(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    order = place(shop, ("POLO-M", 3))
    api = shop.api(clerk)
    body = {
        "warehouse_id": warehouses["MAIN"],
        "lines": [{"order_line_id": line_of(order, "POLO-M"), "quantity": 1}],
    }
    first = post_shipment(api, order, "erp-77", **body)
    again = post_shipment(api, order, "erp-77", **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert stock(shop, "POLO-M") == (9, 2)
    other = post_shipment(api, order, "erp-77", **{**body, "carrier": "changed"})
    assert other.status_code == 422
    assert post_shipment(api, order, "", **body).status_code == 422


def test_refuses_more_than_ordered_foreign_lines_and_unapproved_orders(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    order = place(shop, ("POLO-S", 2))
    big = place(shop, ("BOOT-42", 2), key="big")  # 360 points: waits for approval
    api = shop.api(clerk)
    polo = line_of(order, "POLO-S")
    main = warehouses["MAIN"]
    too_many = post_shipment(
        api, order, "a", warehouse_id=main, lines=[{"order_line_id": polo, "quantity": 3}]
    )
    assert too_many.status_code == 409
    assert "only 2 units left" in too_many.json()["error"]["message"]
    foreign = post_shipment(
        api,
        order,
        "b",
        warehouse_id=main,
        lines=[{"order_line_id": line_of(big, "BOOT-42"), "quantity": 1}],
    )
    assert foreign.status_code == 422
    pending = post_shipment(
        api,
        big,
        "c",
        warehouse_id=main,
        lines=[{"order_line_id": line_of(big, "BOOT-42"), "quantity": 1}],
    )
    assert pending.status_code == 409
    assert "only approved lines ship" in pending.json()["error"]["message"]
    empty_warehouse = post_shipment(
        api,
        order,
        "d",
        warehouse_id=warehouses["EAST"],
        lines=[
            {"order_line_id": polo, "quantity": 2},
        ],
    )
    assert empty_warehouse.status_code == 201  # EAST holds 4 POLO-S
    assert stock(shop, "POLO-S") == (12, 0)
    assert stock(shop, "BOOT-42") == (7, 2)


def test_buyers_cannot_post_shipments_and_see_only_their_own(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    order = place(shop, ("POLO-S", 1))
    buyer = shop.api(user(shop, "buyer@acme.test"))
    r = post_shipment(
        buyer,
        order,
        "x",
        warehouse_id=warehouses["MAIN"],
        lines=[{"order_line_id": line_of(order, "POLO-S"), "quantity": 1}],
    )
    assert r.status_code == 403
    stranger = shop.user("other@acme.test", roles=["buyer"])
    assert shop.api(stranger).get(f"/orders/{order['id']}/shipments").status_code == 404
    assert shop.api(clerk).get(f"/orders/{order['id']}/shipments").json() == []
    assert stock(shop, "POLO-S") == (14, 1)


def test_the_queue_reads_a_fixed_number_of_statements_however_long_it_is(
    shop: Shop, warehouses: dict[str, int], clerk: User, count_statements
) -> None:  # type: ignore[no-untyped-def]
    api = shop.api(clerk)
    place(shop, ("POLO-S", 1), key="first")
    count_statements.statements.clear()
    assert len(api.get("/fulfilment/queue").json()) == 1
    one = count_statements.count
    for i in range(4):
        place(shop, ("POLO-M", 1), ("HELM", 1) if i == 0 else ("BOOT-42", 1), key=f"more-{i}")
    count_statements.statements.clear()
    assert len(api.get("/fulfilment/queue").json()) == 5
    assert count_statements.count == one
