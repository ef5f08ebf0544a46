"""Shipments: the only place that creates, ships and delivers them.

A warehouse (a person on the queue page, or an ERP through the API) posts a shipment for
some lines of an approved order from one warehouse:

- ``preparing``: the units are allocated in that warehouse; the lines become
  ``in_fulfilment``;
- ``shipped`` (posted directly, or a prepared shipment marked shipped): the units leave
  stock (movement ``shipment``), count as shipped on their lines
  (``order_lines.shipped_quantity``), and a line whose whole quantity shipped becomes
  ``shipped``; until then it stays ``in_fulfilment`` (a partial shipment);
- ``delivered``: a shipped line whose every unit was delivered becomes ``delivered``.

Line moves go through :func:`commissary.orders.lifecycle.move_lines`, the order status
is re-derived, and each step is recorded with :func:`commissary.orders.history.record`
(``order_shipped`` and ``order_delivered`` events for plugins).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from commissary.context import Context
from commissary.errors import Conflict, Invalid, NotFound
from commissary.fulfilment.models import Shipment, ShipmentLine, ShipmentStatus
from commissary.inventory import stock
from commissary.inventory.models import MovementReason, Warehouse
from commissary.orders import history, lifecycle
from commissary.orders.models import LineStatus, Order, OrderLine

SHIPPABLE = frozenset({LineStatus.APPROVED, LineStatus.IN_FULFILMENT})


@dataclass(frozen=True)
class ShipmentItem:
    order_line_id: int
    quantity: int


def _order(ctx: Context, order_id: int) -> Order:
    order = ctx.session.scalar(
        select(Order).options(selectinload(Order.lines)).where(Order.id == order_id)
    )
    if order is None:
        raise NotFound("there is no such order")
    return order


def shipment_for(ctx: Context, shipment_id: int, order_id: int | None = None) -> Shipment:
    query = select(Shipment).options(selectinload(Shipment.lines)).where(Shipment.id == shipment_id)
    if order_id is not None:
        query = query.where(Shipment.order_id == order_id)
    found = ctx.session.scalar(query)
    if found is None:
        raise NotFound("there is no such shipment")
    return found


def shipments_of(ctx: Context, order_id: int) -> list[Shipment]:
    """An order's shipments with their lines, oldest first (two queries)."""
    return list(
        ctx.session.scalars(
            select(Shipment)
            .options(selectinload(Shipment.lines))
            .where(Shipment.order_id == order_id)
            .order_by(Shipment.id)
        )
    )


def preparing_per_line(ctx: Context, line_ids: Sequence[int]) -> dict[int, int]:
    """Units on shipments still being prepared, per order line."""
    rows = ctx.session.execute(
        select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(
            ShipmentLine.order_line_id.in_(line_ids),
            Shipment.status == ShipmentStatus.PREPARING,
        )
        .group_by(ShipmentLine.order_line_id)
    ).all()
    return {line_id: int(units) for line_id, units in rows}


def create_shipment(
    ctx: Context,
    order_id: int,
    *,
    warehouse_id: int,
    items: Sequence[ShipmentItem],
    carrier: str = "",
    tracking_number: str = "",
    status: ShipmentStatus = ShipmentStatus.PREPARING,
) -> Shipment:
    """Post a shipment of ``items`` from ``warehouse_id``, either being prepared or
    already shipped. Refused (nothing changes) for lines that are not approved or in
    fulfilment, for more units than remain to ship, or when the warehouse lacks them."""
    if status is ShipmentStatus.DELIVERED:
        raise Invalid("post the shipment first, then mark it delivered")
    if not items:
        raise Invalid("a shipment needs at least one line")
    order = _order(ctx, order_id)
    warehouse = ctx.session.get(Warehouse, warehouse_id)
    if warehouse is None or not warehouse.is_active:
        raise Invalid("there is no active warehouse with that id")
    by_id = {line.id: line for line in order.lines}
    wanted: dict[int, int] = defaultdict(int)
    for item in items:
        if item.quantity <= 0:
            raise Invalid("shipped quantities must be positive")
        if item.order_line_id not in by_id:
            raise Invalid(f"line {item.order_line_id} is not part of order {order.number}")
        wanted[item.order_line_id] += item.quantity
    _lock_lines(ctx, [by_id[i] for i in wanted])
    preparing = preparing_per_line(ctx, list(wanted))
    for line_id, units in wanted.items():
        line = by_id[line_id]
        if line.status not in SHIPPABLE:
            raise Conflict(
                f"line {line.sku_code} is {line.status.value.replace('_', ' ')}; "
                "only approved lines ship"
            )
        left = line.quantity - line.shipped_quantity - preparing.get(line_id, 0)
        if units > left:
            raise Conflict(f"line {line.sku_code} has only {left} units left to ship")
    shipment = Shipment(
        tenant_id=ctx.tenant.id,
        order_id=order.id,
        warehouse_id=warehouse.id,
        status=ShipmentStatus.PREPARING,
        carrier=carrier.strip()[:100],
        tracking_number=tracking_number.strip()[:100],
        created_at=ctx.now,
        created_by_id=ctx.actor.id if ctx.actor else None,
    )
    ctx.session.add(shipment)
    ctx.session.flush()
    lines = [
        ShipmentLine(
            tenant_id=ctx.tenant.id,
            shipment_id=shipment.id,
            order_line_id=line_id,
            sku_id=by_id[line_id].sku_id,
            quantity=units,
        )
        for line_id, units in sorted(wanted.items())
    ]
    ctx.session.add_all(lines)
    ctx.session.flush()
    set_committed_value(shipment, "lines", lines)
    starting = [by_id[i] for i in wanted if by_id[i].status is LineStatus.APPROVED]
    if starting:
        lifecycle.move_lines(ctx, starting, LineStatus.IN_FULFILMENT)
    if status is ShipmentStatus.SHIPPED:
        _ship(ctx, order, shipment, allocated=False)
    else:
        stock.allocate(ctx.session, warehouse.id, _per_sku(lines))
        lifecycle.sync_order_status(ctx, order)
        _record(ctx, order, shipment, "fulfilment_started")
    return shipment


def _lock_lines(ctx: Context, lines: Sequence[OrderLine]) -> None:
    """Lock the order lines (a no-op UPDATE each, in id order) and refresh their state, so two
    warehouses posting shipments for the same line at once check what is left one after
    the other: the second sees the first's shipment and cannot over-ship the line."""
    for line in sorted(lines, key=lambda x: x.id):  # one row at a time: a fixed lock order
        status, shipped = ctx.session.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id)
            .values(shipped_quantity=OrderLine.shipped_quantity)
            .returning(OrderLine.status, OrderLine.shipped_quantity)
            .execution_options(synchronize_session=False)
        ).one()
        set_committed_value(line, "status", status)
        set_committed_value(line, "shipped_quantity", shipped)


def _per_sku(lines: Sequence[ShipmentLine]) -> dict[int, int]:
    units: dict[int, int] = defaultdict(int)
    for line in lines:
        units[line.sku_id] += line.quantity
    return dict(units)


def mark_shipped(
    ctx: Context,
    shipment_id: int,
    *,
    order_id: int | None = None,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> Shipment:
    """A prepared shipment left the warehouse (with its carrier and tracking number)."""
    shipment = shipment_for(ctx, shipment_id, order_id)
    if shipment.status is not ShipmentStatus.PREPARING:
        raise Conflict(f"shipment {shipment.number} is {shipment.status.value} already")
    if carrier is not None:
        shipment.carrier = carrier.strip()[:100]
    if tracking_number is not None:
        shipment.tracking_number = tracking_number.strip()[:100]
    _ship(ctx, _order(ctx, shipment.order_id), shipment, allocated=True)
    return shipment


def _claim(ctx: Context, shipment: Shipment, before: ShipmentStatus, after: ShipmentStatus) -> None:
    """Move the shipment's status with a conditional UPDATE: two requests marking the
    same shipment cannot both succeed."""
    values = {"status": after}
    stamp = "shipped_at" if after is ShipmentStatus.SHIPPED else "delivered_at"
    done = ctx.session.execute(
        update(Shipment)
        .where(Shipment.id == shipment.id, Shipment.status == before)
        .values(**values, **{stamp: ctx.now})
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("someone else changed this shipment just now; reload and retry")
    set_committed_value(shipment, "status", after)
    set_committed_value(shipment, stamp, ctx.now)
    ctx.session.flush()


def _ship(ctx: Context, order: Order, shipment: Shipment, *, allocated: bool) -> None:
    _claim(ctx, shipment, ShipmentStatus.PREPARING, ShipmentStatus.SHIPPED)
    for sku_id, units in sorted(_per_sku(shipment.lines).items()):
        stock.adjust(
            ctx.session,
            ctx.tenant.id,
            shipment.warehouse_id,
            sku_id,
            -units,
            MovementReason.SHIPMENT,
            note=f"{shipment.number} for {order.number}",
            actor_id=ctx.actor.id if ctx.actor else None,
            order_id=order.id,
            shipment_id=shipment.id,
            shipped=True,
            release_allocated=allocated,
            at=ctx.now,
        )
    by_id = {line.id: line for line in order.lines}
    done: list[OrderLine] = []
    for item in shipment.lines:
        line = by_id[item.order_line_id]
        shipped = ctx.session.scalar(
            update(OrderLine)
            .where(
                OrderLine.id == line.id,
                OrderLine.shipped_quantity + item.quantity <= OrderLine.quantity,
            )
            .values(shipped_quantity=OrderLine.shipped_quantity + item.quantity)
            .returning(OrderLine.shipped_quantity)
            .execution_options(synchronize_session=False)
        )
        if shipped is None:
            raise Conflict(f"line {line.sku_code} would ship more than was ordered")
        set_committed_value(line, "shipped_quantity", shipped)
        if shipped == line.quantity:
            done.append(line)
    if done:
        lifecycle.move_lines(ctx, done, LineStatus.SHIPPED)
    lifecycle.sync_order_status(ctx, order)
    _record(ctx, order, shipment, "shipped")


def mark_delivered(ctx: Context, shipment_id: int, *, order_id: int | None = None) -> Shipment:
    """A shipped shipment arrived; lines whose every unit arrived become delivered."""
    shipment = shipment_for(ctx, shipment_id, order_id)
    if shipment.status is not ShipmentStatus.SHIPPED:
        raise Conflict(
            f"shipment {shipment.number} is {shipment.status.value}; only a shipped one "
            "can be delivered"
        )
    _claim(ctx, shipment, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
    order = _order(ctx, shipment.order_id)
    line_ids = [item.order_line_id for item in shipment.lines]
    delivered = dict(
        ctx.session.execute(
            select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .where(
                ShipmentLine.order_line_id.in_(line_ids),
                Shipment.status == ShipmentStatus.DELIVERED,
            )
            .group_by(ShipmentLine.order_line_id)
        ).all()
    )
    arrived = [
        line
        for line in order.lines
        if line.id in delivered
        and line.status is LineStatus.SHIPPED
        and int(delivered[line.id]) == line.quantity
    ]
    if arrived:
        lifecycle.move_lines(ctx, arrived, LineStatus.DELIVERED)
    lifecycle.sync_order_status(ctx, order)
    _record(ctx, order, shipment, "delivered")
    return shipment


def _record(ctx: Context, order: Order, shipment: Shipment, kind: str) -> None:
    detail = {
        "shipment_id": shipment.id,
        "warehouse_id": shipment.warehouse_id,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "lines": [
            {"line_id": item.order_line_id, "quantity": item.quantity} for item in shipment.lines
        ],
    }
    history.record(
        ctx, order.id, kind, detail, event={"order_status": order.status.value, **detail}
    )


__all__ = [
    "ShipmentItem",
    "create_shipment",
    "mark_delivered",
    "mark_shipped",
    "preparing_per_line",
    "shipment_for",
    "shipments_of",
]
