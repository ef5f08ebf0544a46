"""The fulfilment queue and backorders: what remains to ship, and what cannot ship yet.

A line's **open** quantity is what is neither shipped nor on a shipment being prepared.
Its **backordered** part is the open quantity that free warehouse stock (on hand minus
what prepared shipments hold, over every active warehouse) cannot cover, handing free
stock to the oldest orders first. Backorders arise when a SKU allows them (orders may
then reserve beyond stock) or when stock was counted down in a warehouse after orders
were promised it elsewhere; they clear as goods arrive.

Everything here is read in a fixed number of queries, whatever the queue's length.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commissary.context import Context
from commissary.fulfilment.service import SHIPPABLE, preparing_per_line
from commissary.inventory.stock import free_per_sku
from commissary.orders.models import Order, OrderLine, OrderStatus

QUEUE_STATES = (OrderStatus.APPROVED, OrderStatus.PARTIALLY_APPROVED, OrderStatus.IN_FULFILMENT)


@dataclass(frozen=True)
class OpenLine:
    line: OrderLine
    preparing: int
    open: int
    backordered: int

    @property
    def shippable(self) -> int:
        return self.open - self.backordered


@dataclass(frozen=True)
class QueuedOrder:
    order: Order
    lines: list[OpenLine]

    @property
    def open_units(self) -> int:
        return sum(x.open for x in self.lines)

    @property
    def backordered_units(self) -> int:
        return sum(x.backordered for x in self.lines)


def open_lines(ctx: Context, orders: list[Order]) -> dict[int, list[OpenLine]]:
    """Open and backordered units of the shippable lines of ``orders`` (lines loaded),
    keyed by order id. Free stock goes to the oldest of these orders first."""
    lines = [line for order in orders for line in order.lines if line.status in SHIPPABLE]
    preparing = preparing_per_line(ctx, [line.id for line in lines])
    free = free_per_sku(ctx.session, sorted({line.sku_id for line in lines}))
    result: dict[int, list[OpenLine]] = defaultdict(list)
    for line in sorted(lines, key=lambda x: (x.order_id, x.id)):
        prep = preparing.get(line.id, 0)
        open_ = max(line.quantity - line.shipped_quantity - prep, 0)
        covered = min(open_, free[line.sku_id])
        free[line.sku_id] -= covered
        result[line.order_id].append(OpenLine(line, prep, open_, open_ - covered))
    return result


def queue(ctx: Context, *, limit: int = 200, backordered_only: bool = False) -> list[QueuedOrder]:
    """Orders waiting for shipment, oldest first, with their open lines.

    The whole queue is read (approved work is bounded by what warehouses can ship), so
    free stock is handed out oldest first across all of it, then ``limit`` applies."""
    orders = list(
        ctx.session.scalars(
            select(Order)
            .options(selectinload(Order.lines))
            .where(Order.status.in_(QUEUE_STATES))
            .order_by(Order.id)
        )
    )
    per_order = open_lines(ctx, orders)
    found = []
    for order in orders:
        lines = [x for x in per_order.get(order.id, []) if x.open or x.preparing]
        if not lines:
            continue
        entry = QueuedOrder(order, lines)
        if backordered_only and not entry.backordered_units:
            continue
        found.append(entry)
    return found[:limit]


__all__ = ["OpenLine", "QueuedOrder", "open_lines", "queue"]
