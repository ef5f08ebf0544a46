"""The order lifecycle: which states orders and lines take, and which moves are allowed.

Lines carry the state; an order's status is *derived* from its lines, never set on its
own, so the two cannot disagree. Every module that changes a line's state (decisions,
cancellation, amendments, fulfilment) goes through :func:`move_lines`, which refuses a
move the table below does not allow and changes rows with one conditional UPDATE, so
two people acting on the same line at once cannot both win. The caller records the
change with :func:`commissary.orders.history.record` (history row + outbox event) in the
same transaction.

Line states and moves (``docs/orders.md`` draws them)::

    pending        -> approved | rejected | cancelled
    approved       -> in_fulfilment | shipped | cancelled
    in_fulfilment  -> shipped          (a warehouse started work; partial shipments stay here)
    shipped        -> delivered
    rejected, cancelled, delivered: final

A draft is the buyer's cart (cart lines, not an order row); "submitted" is the moment the
cart becomes an order: the order row is created in ``pending_approval`` or, when no rule
asks for approval, directly in ``approved``. ``rejected``, ``cancelled`` and ``delivered``
are final.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from commissary.context import Context
from commissary.errors import Conflict
from commissary.orders.models import LineStatus, Order, OrderLine, OrderStatus

LINE_MOVES: Mapping[LineStatus, frozenset[LineStatus]] = {
    LineStatus.PENDING: frozenset({LineStatus.APPROVED, LineStatus.REJECTED, LineStatus.CANCELLED}),
    LineStatus.APPROVED: frozenset(
        {LineStatus.IN_FULFILMENT, LineStatus.SHIPPED, LineStatus.CANCELLED}
    ),
    LineStatus.IN_FULFILMENT: frozenset({LineStatus.SHIPPED}),
    LineStatus.SHIPPED: frozenset({LineStatus.DELIVERED}),
    LineStatus.REJECTED: frozenset(),
    LineStatus.CANCELLED: frozenset(),
    LineStatus.DELIVERED: frozenset(),
}

FINAL_LINE_STATES = frozenset(s for s, moves in LINE_MOVES.items() if not moves)
# Lines that still count towards what the buyer receives.
LIVE_LINE_STATES = frozenset(LineStatus) - {LineStatus.REJECTED, LineStatus.CANCELLED}
# Until a warehouse starts work, the buyer or a manager may still change or cancel.
CHANGEABLE_ORDER_STATES = frozenset(
    {OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED, OrderStatus.PARTIALLY_APPROVED}
)


def can_move(current: LineStatus, target: LineStatus) -> bool:
    return target in LINE_MOVES[current]


def order_status(statuses: Iterable[LineStatus]) -> OrderStatus:
    """The order's status given its lines' states (the one rule, used everywhere)."""
    states = list(statuses)
    if LineStatus.PENDING in states:
        return OrderStatus.PENDING_APPROVAL
    live = [s for s in states if s in LIVE_LINE_STATES]
    if not live:
        return OrderStatus.CANCELLED if LineStatus.CANCELLED in states else OrderStatus.REJECTED
    if all(s is LineStatus.DELIVERED for s in live):
        return OrderStatus.DELIVERED
    if all(s in (LineStatus.SHIPPED, LineStatus.DELIVERED) for s in live):
        return OrderStatus.SHIPPED
    if any(s is not LineStatus.APPROVED for s in live):
        return OrderStatus.IN_FULFILMENT
    return OrderStatus.APPROVED if len(live) == len(states) else OrderStatus.PARTIALLY_APPROVED


def refuse_move(line: OrderLine, target: LineStatus) -> Conflict:
    return Conflict(
        f"line {line.sku_code} is {line.status.value.replace('_', ' ')}; "
        f"it cannot become {target.value.replace('_', ' ')}"
    )


def move_lines(
    ctx: Context,
    lines: Iterable[OrderLine],
    target: LineStatus,
    **values: Any,
) -> None:
    """Move ``lines`` to ``target`` (plus column ``values``), all or none.

    Raises :class:`Conflict` when the table forbids a move, or when another request moved
    one of the lines since it was read (the UPDATE is conditional on the state read).
    The in-memory lines are updated too, so the caller can derive the order status.
    """
    by_state: dict[LineStatus, list[OrderLine]] = {}
    for line in lines:
        if not can_move(line.status, target):
            raise refuse_move(line, target)
        by_state.setdefault(line.status, []).append(line)
    for state, group in by_state.items():
        ids = [line.id for line in group]
        moved = ctx.session.execute(
            update(OrderLine)
            .where(OrderLine.id.in_(ids), OrderLine.status == state)
            .values(status=target, **values)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != len(ids):  # type: ignore[attr-defined]
            raise Conflict("someone else changed these lines just now; reload and retry")
    for group in by_state.values():
        for line in group:
            # Committed values: the rows are written already, a flush must not repeat it.
            set_committed_value(line, "status", target)
            for key, value in values.items():
                set_committed_value(line, key, value)


def units_by_sku(lines: Iterable[OrderLine]) -> dict[int, int]:
    """Units per SKU of ``lines``: what their stock reservations add up to."""
    totals: dict[int, int] = {}
    for line in lines:
        totals[line.sku_id] = totals.get(line.sku_id, 0) + line.quantity
    return totals


def set_order_status(ctx: Context, order: Order, status: OrderStatus, **values: Any) -> None:
    """Store the order's derived ``status`` (and other columns) on the row and the object."""
    ctx.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(order, "status", status)
    for key, value in values.items():
        set_committed_value(order, key, value)


def sync_order_status(ctx: Context, order: Order, **values: Any) -> OrderStatus:
    """Derive the order's status from its (loaded) lines and store it."""
    status = order_status(line.status for line in order.lines)
    set_order_status(ctx, order, status, **values)
    return status


__all__ = [
    "CHANGEABLE_ORDER_STATES",
    "FINAL_LINE_STATES",
    "LINE_MOVES",
    "LIVE_LINE_STATES",
    "can_move",
    "move_lines",
    "order_status",
    "refuse_move",
    "set_order_status",
    "sync_order_status",
    "units_by_sku",
]
