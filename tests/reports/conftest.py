"""Report fixtures: orders placed at chosen moments, written straight into the tables.

Reports only read, so the tests seed history directly (an order from last March cannot
be placed through the API today); everything else goes through the real routes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from commissary.catalog.models import Sku
from commissary.identity.models import Location, User
from commissary.inventory.models import StockLevel, Warehouse, WarehouseKind, WarehouseStock
from commissary.orders.models import LineStatus, Order, OrderLine, OrderStatus
from commissary.testing import Shop

Line = tuple[str, int] | tuple[str, int, LineStatus]
Seed = Callable[..., int]


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def seed(shop: Shop) -> Seed:
    """``seed(user, day, [("POLO-S", 3), ("HELM", 1, LineStatus.REJECTED)])`` -> order id."""

    def place(user: User, day: date | datetime, lines: Sequence[Line], hour: int = 12) -> int:
        when = day if isinstance(day, datetime) else at(day, hour)
        with shop.portal.db.transaction(shop.tenant.id) as s:
            skus = {sku.code: sku for sku in s.query(Sku).all()}
            rows = []
            for line in lines:
                code, quantity = line[0], line[1]
                status = line[2] if len(line) == 3 else LineStatus.APPROVED  # type: ignore[misc]
                sku = skus[code]
                rows.append((sku, quantity, status))
            total = sum(sku.price_points * q for sku, q, _ in rows)
            order = Order(
                tenant_id=shop.tenant.id,
                user_id=user.id,
                location_id=user.location_id,
                status=OrderStatus.APPROVED,
                total_points=total,
                submitted_at=when,
            )
            s.add(order)
            s.flush()
            for sku, quantity, status in rows:
                s.add(
                    OrderLine(
                        tenant_id=shop.tenant.id,
                        order_id=order.id,
                        sku_id=sku.id,
                        sku_code=sku.code,
                        description=sku.code,
                        quantity=quantity,
                        unit_points=sku.price_points,
                        line_points=sku.price_points * quantity,
                        status=status,
                    )
                )
            s.flush()
            return order.id

    return place


def set_stock(shop: Shop, code: str, on_hand: int, reserved: int = 0) -> None:
    with shop.portal.db.transaction(shop.tenant.id) as s:
        sku = s.query(Sku).filter(Sku.code == code).one()
        s.execute(
            update(StockLevel)
            .where(StockLevel.sku_id == sku.id)
            .values(on_hand=on_hand, reserved=reserved)
        )


def warehouse(
    shop: Shop, code: str, stock: dict[str, tuple[int, int]], location: Location | None = None
) -> int:
    """A warehouse holding ``{sku code: (on_hand, allocated)}``."""
    with shop.portal.db.transaction(shop.tenant.id) as s:
        wh = Warehouse(
            tenant_id=shop.tenant.id,
            code=code,
            name=f"Warehouse {code}",
            kind=WarehouseKind.LOCATION if location else WarehouseKind.TENANT,
            location_id=location.id if location else None,
        )
        s.add(wh)
        s.flush()
        skus = {sku.code: sku.id for sku in s.query(Sku).all()}
        for sku_code, (on_hand, allocated) in stock.items():
            s.add(
                WarehouseStock(
                    tenant_id=shop.tenant.id,
                    warehouse_id=wh.id,
                    sku_id=skus[sku_code],
                    on_hand=on_hand,
                    allocated=allocated,
                )
            )
        return wh.id
