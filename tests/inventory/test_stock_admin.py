"""Warehouses and stock as staff manage them: adjustments with reasons, low-stock events,
backorders, and the move of existing stock into a default warehouse."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from commissary.identity.models import User
from commissary.jobs.models import OutboxEvent
from commissary.migrate import alembic_config, upgrade
from commissary.testing import Shop
from tests.fulfilment.conftest import place
from tests.helpers import sku_id, stock, user


def _low_events(shop: Shop) -> list[dict]:  # type: ignore[type-arg]
    with shop.portal.db.session(shop.tenant.id) as s:
        return [
            e.payload
            for e in s.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == "stock_low").order_by(OutboxEvent.id)
            )
        ]


def test_stock_low_is_emitted_once_when_available_stock_crosses_the_threshold(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    api = shop.api(clerk)
    polo = sku_id(shop, "POLO-M")  # 10 on hand, all in MAIN
    r = api.put(f"/stock/{polo}/settings", json={"low_stock_threshold": 3})
    assert r.status_code == 200, r.text
    place(shop, ("POLO-M", 6), key="a")  # available 4: above
    assert _low_events(shop) == []
    place(shop, ("POLO-M", 1), key="b")  # available 3: crossed (on_order_stock_low)
    assert _low_events(shop) == [{"sku_id": polo, "available": 3, "threshold": 3}]
    place(shop, ("POLO-M", 1), key="c")  # still low: no second event
    assert len(_low_events(shop)) == 1
    main = warehouses["MAIN"]
    receipt = {"sku_id": polo, "delta": 10, "reason": "receipt", "note": "PO 4711"}
    assert api.post(f"/warehouses/{main}/stock/adjustments", json=receipt).status_code == 201
    write_off = {"sku_id": polo, "delta": -9, "reason": "damaged", "note": "water"}
    r = api.post(f"/warehouses/{main}/stock/adjustments", json=write_off)
    assert r.status_code == 201, r.text
    assert r.json()[0]["available"] == 3 and r.json()[0]["is_low"]
    assert [e["available"] for e in _low_events(shop)] == [3, 3]  # a new crossing


def test_adjustments_record_a_movement_and_never_break_a_promise(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    api = shop.api(clerk)
    boot = sku_id(shop, "BOOT-42")  # MAIN 5, EAST 2
    east = warehouses["EAST"]
    r = api.post(
        f"/warehouses/{east}/stock/adjustments",
        json={"sku_id": boot, "count": 6, "note": "stocktake"},
    )
    assert r.status_code == 201, r.text
    body = r.json()[0]
    assert (body["on_hand"], body["reserved"]) == (11, 0)
    assert {w["warehouse_id"]: w["on_hand"] for w in body["warehouses"]} == {
        warehouses["MAIN"]: 5,
        east: 6,
    }
    place(shop, ("BOOT-42", 1), key="boot")  # 180 points: under the approval threshold
    # 10 may go (11 on hand, 1 promised); the 11th would break the promise.
    too_far = api.post(
        f"/warehouses/{east}/stock/adjustments",
        json={"sku_id": boot, "delta": -6, "reason": "damaged"},
    )
    assert too_far.status_code == 201
    refused = api.post(
        f"/warehouses/{warehouses['MAIN']}/stock/adjustments",
        json={"sku_id": boot, "delta": -5, "reason": "damaged"},
    )
    assert refused.status_code == 409
    assert "promised to open orders" in refused.json()["error"]["message"]
    assert stock(shop, "BOOT-42") == (5, 1)
    system = api.post(
        f"/warehouses/{east}/stock/adjustments",
        json={"sku_id": boot, "delta": 1, "reason": "shipment"},
    )
    assert system.status_code == 422
    both = api.post(
        f"/warehouses/{east}/stock/adjustments", json={"sku_id": boot, "delta": 1, "count": 2}
    )
    assert both.status_code == 422
    moves = api.get("/stock/movements", params={"sku_id": boot, "warehouse_id": east}).json()
    assert [(m["delta"], m["reason"], m["on_hand_after"]) for m in moves] == [
        (-6, "damaged", 0),
        (4, "count", 6),
        (2, "receipt", 2),
    ]
    buyer = shop.api(user(shop, "buyer@acme.test"))
    assert buyer.get("/stock").status_code == 403
    assert (
        buyer.post(
            f"/warehouses/{east}/stock/adjustments", json={"sku_id": boot, "delta": 1}
        ).status_code
        == 403
    )


def test_backorders_let_orders_reserve_beyond_stock_and_show_in_the_queue(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    api = shop.api(clerk)
    helm = sku_id(shop, "HELM")  # 1 on hand
    refused = shop.api(user(shop, "buyer@acme.test"))
    assert api.put(f"/stock/{helm}/settings", json={"backorder_allowed": True}).status_code == 200
    order = place(shop, ("HELM", 3), key="helmets")
    assert stock(shop, "HELM") == (1, 3)
    queue = api.get("/fulfilment/queue").json()
    line = queue[0]["lines"][0]
    assert (line["open"], line["backordered"]) == (3, 2)
    assert [q["order_id"] for q in api.get("/fulfilment/queue?backordered=true").json()] == [
        order["id"]
    ]
    off = api.put(f"/stock/{helm}/settings", json={"backorder_allowed": False})
    assert off.status_code == 409
    api.post(
        f"/warehouses/{warehouses['EAST']}/stock/adjustments",
        json={"sku_id": helm, "delta": 5, "reason": "receipt"},
    )
    line = api.get("/fulfilment/queue").json()[0]["lines"][0]
    assert (line["open"], line["backordered"]) == (3, 0)
    assert api.get("/fulfilment/queue?backordered=true").json() == []
    assert refused.get("/fulfilment/queue").status_code == 403


def test_warehouses_are_created_and_kept_consistent(
    shop: Shop, warehouses: dict[str, int], clerk: User
) -> None:
    api = shop.api(clerk)
    r = api.post(
        "/warehouses",
        json={
            "code": "N1-BACK",
            "name": "North back room",
            "kind": "location",
            "location_id": shop.locations["N1"].id,
            "priority": 10,
        },
    )
    assert r.status_code == 201, r.text
    assert api.post("/warehouses", json={"code": "N1-BACK", "name": "again"}).status_code == 409
    assert (
        api.post("/warehouses", json={"code": "X", "name": "x", "kind": "location"}).status_code
        == 422
    )
    codes = [w["code"] for w in api.get("/warehouses").json()]
    assert codes == ["N1-BACK", "MAIN", "EAST"]  # by priority
    assert (
        api.patch(f"/warehouses/{r.json()['id']}", json={"is_active": False}).json()["is_active"]
        is False
    )


def test_existing_stock_moves_into_one_default_warehouse_per_tenant(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    command.upgrade(alembic_config(url), "c0005")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for tenant in (1, 2):
            conn.execute(
                sa.text(
                    "INSERT INTO tenants (id, slug, name, access_mode, config_version, created_at) "
                    f"VALUES ({tenant}, 't{tenant}', 'T', 'PRIVATE', 1, '2026-01-01')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO products (id, slug, name, description, search_text, is_active, "
                    f"tenant_id) VALUES ({tenant}, 'p', 'P', '', '', 1, {tenant})"
                )
            )
            for sku, on_hand, reserved in ((tenant * 10, 7, 2), (tenant * 10 + 1, 0, 0)):
                conn.execute(
                    sa.text(
                        "INSERT INTO skus (id, product_id, code, price_points, position, "
                        "is_active, tenant_id) "
                        f"VALUES ({sku}, {tenant}, 'S{sku}', 1, 0, 1, {tenant})"
                    )
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO stock_levels (sku_id, on_hand, reserved, tenant_id) "
                        f"VALUES ({sku}, {on_hand}, {reserved}, {tenant})"
                    )
                )
    upgrade(url)
    with engine.connect() as conn:
        houses = conn.execute(
            sa.text("SELECT tenant_id, code, kind FROM warehouses ORDER BY tenant_id")
        ).all()
        assert houses == [(1, "MAIN", "TENANT"), (2, "MAIN", "TENANT")]
        held = conn.execute(
            sa.text(
                "SELECT w.tenant_id, s.sku_id, s.on_hand, s.allocated FROM warehouse_stock s "
                "JOIN warehouses w ON w.id = s.warehouse_id ORDER BY s.sku_id"
            )
        ).all()
        assert held == [(1, 10, 7, 0), (1, 11, 0, 0), (2, 20, 7, 0), (2, 21, 0, 0)]
        moves = conn.execute(
            sa.text("SELECT sku_id, delta, reason FROM stock_movements ORDER BY sku_id")
        ).all()
        assert moves == [(10, 7, "INITIAL"), (20, 7, "INITIAL")]
        levels = conn.execute(
            sa.text(
                "SELECT sku_id, on_hand, reserved, backorder_allowed FROM stock_levels "
                "ORDER BY sku_id"
            )
        ).all()
        assert levels[0] == (10, 7, 2, 0)
    engine.dispose()
