"""Stock per warehouse, shipped items, and open backorders served oldest first."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, update

from commissary.fulfilment.models import Shipment, ShipmentLine, ShipmentStatus
from commissary.identity.models import Location
from commissary.inventory.models import StockLevel
from commissary.orders.models import LineStatus, OrderLine
from commissary.testing import Shop, StatementCounter
from tests.helpers import sku_id, user
from tests.reports.conftest import Seed, set_stock, warehouse


def admin_api(shop: Shop):  # type: ignore[no-untyped-def]
    return shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))


def test_stock_per_sku_and_warehouse_with_reserved_and_available(shop: Shop) -> None:
    set_stock(shop, "POLO-S", on_hand=10, reserved=4)
    set_stock(shop, "HELM", on_hand=1)
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(
            update(StockLevel)
            .where(StockLevel.sku_id == sku_id(shop, "POLO-M"))
            .values(low_stock_threshold=20)
        )
    warehouse(shop, "CEN", {"POLO-S": (6, 1), "HELM": (1, 0)})
    warehouse(shop, "N1-BACK", {"POLO-S": (4, 0)}, location=shop.locations["N1"])
    warehouse(shop, "S1-BACK", {"POLO-M": (3, 0)}, location=shop.locations["S1"])

    api = admin_api(shop)
    r = api.get("/reports/stock")

    assert r.status_code == 200, r.text
    body = r.json()
    polo = next(i for i in body["items"] if i["sku_code"] == "POLO-S")
    assert (polo["on_hand"], polo["reserved"], polo["available"], polo["low"]) == (10, 4, 6, False)
    # MAIN is the warehouse every tenant starts with (it holds the catalog's opening stock).
    split = [w for w in polo["warehouses"] if w["code"] != "MAIN"]
    assert [(w["code"], w["on_hand"], w["allocated"], w["free"]) for w in split] == [
        ("CEN", 6, 1, 5),
        ("N1-BACK", 4, 0, 4),
    ]
    assert {w["code"]: w["free"] for w in body["warehouses"] if w["code"] != "MAIN"} == {
        "CEN": 6,
        "N1-BACK": 4,
        "S1-BACK": 3,
    }
    low = api.get("/reports/stock", params={"low": True}).json()["items"]
    assert {i["sku_code"] for i in low} == {"POLO-M"}  # 10 available, threshold 20


def test_a_manager_sees_central_stock_and_their_own_back_rooms(shop: Shop) -> None:
    warehouse(shop, "CEN", {"POLO-S": (6, 0)})
    warehouse(shop, "N1-BACK", {"POLO-S": (4, 0)}, location=shop.locations["N1"])
    south_boss = shop.user("south@acme.test", roles=["manager"])
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(
            update(Location)
            .where(Location.id == shop.locations["S1"].id)
            .values(manager_id=south_boss.id)
        )
    body = shop.api(south_boss).get("/reports/stock").json()
    assert [w["code"] for w in body["warehouses"]] == ["CEN", "MAIN"]
    csv_text = shop.api(south_boss).get("/reports/stock.csv").text
    assert "CEN" in csv_text and "N1-BACK" not in csv_text


def _ship(shop: Shop, order_id: int, warehouse_id: int, when: datetime, units: int) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        line = s.scalars(select(OrderLine).where(OrderLine.order_id == order_id)).first()
        assert line is not None
        shipment = Shipment(
            tenant_id=shop.tenant.id,
            order_id=order_id,
            warehouse_id=warehouse_id,
            status=ShipmentStatus.SHIPPED,
            shipped_at=when,
        )
        s.add(shipment)
        s.flush()
        s.add(
            ShipmentLine(
                tenant_id=shop.tenant.id,
                shipment_id=shipment.id,
                order_line_id=line.id,
                sku_id=line.sku_id,
                quantity=units,
            )
        )
        status = LineStatus.SHIPPED if units == line.quantity else LineStatus.IN_FULFILMENT
        s.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id)
            .values(shipped_quantity=units, status=status)
        )


def test_shipped_items_per_period_warehouse_and_item(shop: Shop, seed: Seed) -> None:
    ann = user(shop, "buyer@acme.test")
    central = warehouse(shop, "CEN", {})
    first = seed(ann, date(2026, 3, 1), [("POLO-S", 4)])
    second = seed(ann, date(2026, 3, 2), [("HELM", 2)])
    _ship(shop, first, central, datetime(2026, 3, 3, 9, tzinfo=UTC), 4)
    _ship(shop, second, central, datetime(2026, 4, 2, 9, tzinfo=UTC), 1)

    r = admin_api(shop).get(
        "/reports/shipments", params={"start": "2026-03-01", "end": "2026-04-30", "bucket": "month"}
    )

    assert r.status_code == 200, r.text
    body = r.json()
    assert [(p["start"], p["shipments"], p["units"]) for p in body["periods"]] == [
        ("2026-03-01", 1, 4),
        ("2026-04-01", 1, 1),
    ]
    assert [(w["key"], w["units"]) for w in body["warehouses"]] == [("CEN", 5)]
    assert [(i["key"], i["units"]) for i in body["items"]] == [("POLO-S", 4), ("HELM", 1)]


def test_backorders_are_what_stock_cannot_cover_oldest_order_first(
    shop: Shop, seed: Seed, count_statements: StatementCounter
) -> None:
    ann = user(shop, "buyer@acme.test")
    set_stock(shop, "BOOT-42", on_hand=5)
    seed(ann, date(2026, 3, 1), [("BOOT-42", 3)])  # served
    second = seed(ann, date(2026, 3, 2), [("BOOT-42", 4)])  # 2 of 4 short
    third = seed(ann, date(2026, 3, 3), [("BOOT-42", 2, LineStatus.PENDING)])  # all short
    seed(ann, date(2026, 3, 3), [("BOOT-42", 9, LineStatus.REJECTED)])  # not open
    api = admin_api(shop)

    count_statements.statements.clear()
    r = api.get("/reports/shipments")
    assert r.status_code == 200, r.text
    assert count_statements.count <= 8

    found = [(b["order_id"], b["ordered"], b["backordered"]) for b in r.json()["backorders"]]
    assert found == [(second, 4, 2), (third, 2, 2)]
    assert r.json()["backorders"][0]["order_number"] == f"SO-{second:06d}"
    csv_rows = api.get("/reports/shipments.csv", params={"view": "backorders"}).text.splitlines()
    assert len(csv_rows) == 3 and f'"SO-{third:06d}"' in csv_rows[2]

    # A manager of the South store sees none of North's backorders.
    south_boss = shop.user("south@acme.test", roles=["manager"])
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(
            update(Location)
            .where(Location.id == shop.locations["S1"].id)
            .values(manager_id=south_boss.id)
        )
    assert shop.api(south_boss).get("/reports/shipments").json()["backorders"] == []
