"""What a tender's share of a shipment is: the allocation rule applied to shipped lines.

A method that bills at shipment (the purchase-order plugin invoices on account) asks, for
one ``order_shipped`` event, how many points of the order left (:func:`shipped_points`),
advances its own cursor by that many points atomically, and then asks which part of the
span ``[start, start + points)`` of the order's captured tape falls on its tender
(:func:`tender_share`). The tape is walked from the front, in tender order, exactly like
captures (docs/payments.md): points pay for a shipment before the PO does. The shipped
lines take consecutive spans in line order, so each line's share is known and the lines
add up to the tender's amount to the minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from commissary.context import Context
from commissary.orders.models import OrderLine
from commissary.payments.allocation import along, slice_money
from commissary.payments.models import Payment


@dataclass(frozen=True)
class ShippedLine:
    """One shipped order line: its quantity in this shipment, its value in points and the
    tender's share of that value in the tender's currency."""

    line_id: int
    sku_code: str
    description: str
    quantity: int
    unit_points: int
    points: int
    amount: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "sku_code": self.sku_code,
            "description": self.description,
            "quantity": self.quantity,
            "unit_points": self.unit_points,
            "points": self.points,
            "amount": str(self.amount),
        }


@dataclass(frozen=True)
class ShipmentShare:
    """A tender's part of one shipment: ``amount`` in ``currency`` over the shipped
    ``lines`` (each with its own share; they add up to ``amount``)."""

    payment_id: int
    reference: str
    currency: str
    amount: Decimal
    lines: tuple[ShippedLine, ...]


def _shipped(
    ctx: Context, order_id: int, lines: Iterable[Mapping[str, Any]]
) -> list[tuple[OrderLine, int]]:
    quantities: dict[int, int] = {}
    for item in lines:
        line_id = int(item["line_id"])
        quantities[line_id] = quantities.get(line_id, 0) + int(item["quantity"])
    if not quantities:
        return []
    rows = ctx.session.scalars(
        select(OrderLine)
        .where(OrderLine.order_id == order_id, OrderLine.id.in_(quantities))
        .order_by(OrderLine.id)
    )
    return [(row, quantities[row.id]) for row in rows]


def shipped_points(ctx: Context, order_id: int, lines: Iterable[Mapping[str, Any]]) -> int:
    """The value in points of a shipment's ``lines`` (``[{"line_id", "quantity"}]``, as in
    the ``order_shipped`` event): unit points times the quantity shipped."""
    return sum(line.unit_points * qty for line, qty in _shipped(ctx, order_id, lines))


def tender_share(
    ctx: Context,
    order_id: int,
    method: str,
    lines: Iterable[Mapping[str, Any]],
    start: int,
) -> ShipmentShare | None:
    """The share of tender ``method`` in a shipment whose lines take the span starting at
    ``start`` points of the order's captured tape (``start`` = the points of the order
    shipped before this shipment, by the caller's own count). ``None`` when the order has
    no tender of that method."""
    tenders = list(
        ctx.session.scalars(
            select(Payment).where(Payment.order_id == order_id).order_by(Payment.position)
        )
    )
    index = next((i for i, row in enumerate(tenders) if row.method == method), None)
    if index is None:
        return None
    tender = tenders[index]
    net = [row.points_captured - row.points_refunded for row in tenders]
    shipped: list[ShippedLine] = []
    cursor = start
    for line, qty in _shipped(ctx, order_id, lines):
        points = line.unit_points * qty
        span = along(net, cursor, cursor + points)[index]
        cursor += points
        shipped.append(
            ShippedLine(
                line_id=line.id,
                sku_code=line.sku_code,
                description=line.description,
                quantity=qty,
                unit_points=line.unit_points,
                points=points,
                amount=slice_money(span, tender.rate, tender.currency),
            )
        )
    return ShipmentShare(
        payment_id=tender.id,
        reference=tender.reference,
        currency=tender.currency,
        amount=sum((x.amount for x in shipped), Decimal(0)),
        lines=tuple(shipped),
    )
