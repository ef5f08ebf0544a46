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
