"""Races across several warehouses: never oversold, never shipped beyond a warehouse's stock,
and the tenant-wide level always equals the sum of the warehouses and of their movements.

Each thread uses its own session and connection, as concurrent requests do (SQLite queues
writers on BEGIN IMMEDIATE; PostgreSQL races row locks under READ COMMITTED).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from commissary.errors import DomainError
from commissary.fulfilment import service as fulfilment
from commissary.identity.models import User
from commissary.inventory import stock
from commissary.inventory.models import (
    MovementReason,
    StockLevel,
    StockMovement,
    Warehouse,
    WarehouseKind,
    WarehouseStock,
)
from commissary.orders import service as orders
from commissary.orders.models import OrderLine
from commissary.testing import Shop
from tests.helpers import order_count, sku_id


def _race(workers: int, job: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(workers)

    def run(i: int) -> str:
        barrier.wait()
        return job(i)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(workers)))


def _in_transaction(shop: Shop, actor: User | None, work: Callable[..., object]) -> str:
    ctx = shop.context(actor)
    try:
        work(ctx)
        ctx.session.commit()
        return "ok"
    except DomainError as exc:
        ctx.session.rollback()
        return exc.code
    finally:
        ctx.session.close()


def _spread(shop: Shop, code: str, units: dict[str, int]) -> dict[str, int]:
    """Warehouses named in ``units`` (created when missing) holding that many of ``code``."""
    ids = {}
    with shop.portal.db.transaction(shop.tenant.id) as s:
        sku = sku_id(shop, code)
        for name, n in units.items():
            found = s.scalar(select(Warehouse).where(Warehouse.code == name))
            if found is None:
                found = Warehouse(
                    tenant_id=shop.tenant.id,
                    code=name,
                    name=name,
                    kind=WarehouseKind.TENANT,
                    address="",
                    priority=100,
                    is_active=True,
                )
                s.add(found)
                s.flush()
            ids[name] = found.id
            current = (
                s.scalar(
                    select(WarehouseStock.on_hand).where(
                        WarehouseStock.warehouse_id == found.id, WarehouseStock.sku_id == sku
                    )
                )
                or 0
            )
            if n != current:
                stock.adjust(s, shop.tenant.id, found.id, sku, n - current, MovementReason.COUNT)
    return ids


def _assert_consistent(shop: Shop, code: str) -> tuple[int, int]:
    """The invariants, checked from the tables; returns (on_hand, reserved)."""
    sku = sku_id(shop, code)
    with shop.portal.db.session(shop.tenant.id) as s:
        level = s.get(StockLevel, sku)
        assert level is not None
        per_warehouse = s.execute(
            select(
                WarehouseStock.warehouse_id, WarehouseStock.on_hand, WarehouseStock.allocated
            ).where(WarehouseStock.sku_id == sku)
        ).all()
        assert level.on_hand == sum(row[1] for row in per_warehouse)
        for warehouse_id, on_hand, allocated in per_warehouse:
            assert 0 <= allocated <= on_hand
            moved = s.scalar(
                select(func.coalesce(func.sum(StockMovement.delta), 0)).where(
                    StockMovement.sku_id == sku, StockMovement.warehouse_id == warehouse_id
                )
            )
            assert moved == on_hand, "movements must add up to the warehouse's stock"
        assert 0 <= level.reserved <= level.on_hand
        return level.on_hand, level.reserved


def test_buyers_racing_for_stock_spread_over_three_warehouses_never_oversell(
    shop: Shop,
) -> None:
    shop.product("Last jackets", [("JACKET", 50, 0)])
    _spread(shop, "JACKET", {"MAIN": 2, "EAST": 2, "WEST": 1})
    jacket = sku_id(shop, "JACKET")
    buyers = [
        shop.user(f"racer{i}@acme.test", location=shop.locations["N1"], points=100)
        for i in range(16)
    ]
    for buyer in buyers:
        ctx = shop.context(buyer)
        orders.add_to_cart(ctx, jacket, 1)
        ctx.session.commit()
        ctx.session.close()

    def order(i: int) -> str:
        return _in_transaction(
            shop,
            buyers[i],
            lambda ctx: orders.submit(ctx, idempotency_key=f"r{i}", request_print="p"),
        )

    results = _race(16, order)
    assert results.count("ok") == 5
    assert results.count("insufficient_stock") == 11
    assert order_count(shop) == 5
    assert _assert_consistent(shop, "JACKET") == (5, 5)


def test_shipments_and_write_offs_racing_on_one_warehouse_never_take_more_than_it_holds(
    shop: Shop,
) -> None:
    shop.product("Gloves", [("GLOVE", 10, 0)])
    ids = _spread(shop, "GLOVE", {"MAIN": 3, "EAST": 3})
    glove = sku_id(shop, "GLOVE")
    clerk = shop.user("clerk@acme.test", roles=["warehouse"])
    buyer = shop.user("many@acme.test", location=shop.locations["N1"], points=1000)
    lines = []
    for i in range(6):
        ctx = shop.context(buyer)
        orders.add_to_cart(ctx, glove, 1)
        order, _ = orders.submit(ctx, idempotency_key=f"g{i}", request_print="p")
        lines.append((order.id, order.lines[0].id))
        ctx.session.commit()
        ctx.session.close()
    assert _assert_consistent(shop, "GLOVE") == (6, 6)

    # Six shipments all from EAST (3 units) and two write-offs of EAST's stock at once.
    def job(i: int) -> str:
        if i < 6:
            order_id, line_id = lines[i]
            return _in_transaction(
                shop,
                clerk,
                lambda ctx: fulfilment.create_shipment(
                    ctx,
                    order_id,
                    warehouse_id=ids["EAST"],
                    items=[fulfilment.ShipmentItem(line_id, 1)],
                    status=fulfilment.ShipmentStatus.SHIPPED,
                ),
            )
        return _in_transaction(
            shop,
            clerk,
            lambda ctx: stock.adjust(
                ctx.session, ctx.tenant.id, ids["EAST"], glove, -1, MovementReason.DAMAGED
            ),
        )

    results = _race(8, job)
    shipped = results[:6].count("ok")
    written_off = results[6:].count("ok")
    # EAST's 3 units went out in shipments or write-offs, never more; write-offs can never
    # eat units promised to orders (6 promised, 6 on hand: every write-off is refused).
    assert written_off == 0
    assert shipped == 3
    assert all(r in ("ok", "conflict") for r in results)
    on_hand, reserved = _assert_consistent(shop, "GLOVE")
    assert (on_hand, reserved) == (3, 3)
    with shop.portal.db.session(shop.tenant.id) as s:
        assert s.scalar(select(func.sum(OrderLine.shipped_quantity))) == 3


def test_two_warehouses_preparing_the_same_line_at_once_never_over_ship_it(shop: Shop) -> None:
    shop.product("Caps", [("CAP", 10, 0)])
    ids = _spread(shop, "CAP", {"MAIN": 5, "EAST": 5})
    cap = sku_id(shop, "CAP")
    clerk = shop.user("clerk@acme.test", roles=["warehouse"])
    buyer = shop.user("capper@acme.test", location=shop.locations["N1"], points=1000)
    ctx = shop.context(buyer)
    orders.add_to_cart(ctx, cap, 4)
    order, _ = orders.submit(ctx, idempotency_key="caps", request_print="p")
    order_id, line_id = order.id, order.lines[0].id
    ctx.session.commit()
    ctx.session.close()

    def prepare(i: int) -> str:
        return _in_transaction(
            shop,
            clerk,
            lambda c: fulfilment.create_shipment(
                c,
                order_id,
                warehouse_id=ids["MAIN" if i % 2 else "EAST"],
                items=[fulfilment.ShipmentItem(line_id, 3)],
                status=fulfilment.ShipmentStatus.PREPARING,
            ),
        )

    results = _race(4, prepare)
    assert results.count("ok") == 1, results
    assert _assert_consistent(shop, "CAP") == (10, 4)
    with shop.portal.db.session(shop.tenant.id) as s:
        allocated = s.scalar(select(func.sum(WarehouseStock.allocated)))
        assert allocated == 3
