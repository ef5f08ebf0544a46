"""The tape rule: how captures, releases and refunds are spread over an order's tenders.

An order's tenders lie end to end on a tape measured in points, in tender order (points
first, then the remainder method). Within a tender, captured points grow from the front
of its share and released points from the back, so captured and released spans never
overlap and the two together never exceed the share. Hence:

- captures take from the first tender with open points onwards (points are spent before
  the buyer's card or the company's PO is charged);
- releases take from the last tender backwards (a rejected line frees the card or PO
  amount first, points last);
- refunds of captured points take from the last tender backwards too.

A span of points converts to money as ``R(end) - R(start)`` with ``R(x) = round(x * rate)``
to the currency's minor unit: the spans of one tender always add up to exactly its
authorized amount, whatever the order of the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from commissary.money import Money

# (points captured, points released, share in points) of each tender, in tender order.
Tape = list[tuple[int, int, int]]


@dataclass(frozen=True)
class Slice:
    """A span ``[start, end)`` of one tender's share, in points."""

    start: int
    end: int

    @property
    def points(self) -> int:
        return self.end - self.start


def forward(tape: Tape, amount: int) -> list[Slice] | None:
    """Capture ``amount`` points from the front; None when the tenders do not cover it."""
    slices: list[Slice] = []
    left = amount
    for captured, released, share in tape:
        take = min(left, share - captured - released)
        slices.append(Slice(captured, captured + take))
        left -= take
    return slices if left == 0 else None


def backward(tape: Tape, amount: int, captures: list[Slice] | None) -> list[Slice] | None:
    """Release ``amount`` points from the back, after ``captures`` are taken; None when
    what is left open does not cover it."""
    if captures is None:
        return None
    slices: list[Slice] = []
    left = amount
    for (captured, released, share), cap in reversed(list(zip(tape, captures, strict=True))):
        end = share - released
        take = min(left, end - captured - cap.points)
        slices.append(Slice(end - take, end))
        left -= take
    return list(reversed(slices)) if left == 0 else None


def slice_money(span: Slice, rate: Decimal, currency: str) -> Decimal:
    """What a span of points is worth in the tender's currency (see the module doc)."""

    def at(points: int) -> Decimal:
        return Money(Decimal(points) * rate, currency).rounded().amount

    return at(span.end) - at(span.start)


def along(net: list[int], start: int, end: int) -> list[Slice]:
    """Cut the span ``[start, end)`` of an order's *captured* tape into one slice per tender.

    ``net`` is each tender's captured points less its refunded ones, in tender order; the
    captured points of every tender lie at the front of its share (captures grow from the
    front, refunds come off the back), so the captured tape is those runs end to end.
    Shipping walks it from the front, like captures: a shipment is paid by points first and
    by the remainder method after. Each tender's slices over successive shipments add up to
    its net captured points, so their money (:func:`slice_money`) adds up exactly too. A
    span past the end of the tape falls on no tender."""
    slices: list[Slice] = []
    offset = 0
    for points in net:
        low = min(max(start - offset, 0), points)
        high = min(max(end - offset, 0), points)
        slices.append(Slice(low, high))
        offset += points
    return slices
