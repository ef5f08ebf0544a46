"""Exact amounts. Points are plain integers; currency amounts are ``Money``.

Money is rounded once per line with ROUND_HALF_UP to the currency's minor unit; totals are
sums of rounded lines, so a total always equals what the lines show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MINOR_UNITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "TND": 3}
POINTS = "PTS"


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal, never a float")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO currency code: {self.currency!r}")

    def rounded(self) -> Money:
        places = 0 if self.currency == POINTS else MINOR_UNITS.get(self.currency, 2)
        quantum = Decimal(1).scaleb(-places)
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_UP), self.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * factor, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @classmethod
    def points(cls, value: int) -> Money:
        return cls(Decimal(value), POINTS)

    def __str__(self) -> str:
        if self.currency == POINTS:
            return f"{int(self.amount):,} pts"
        return f"{self.amount} {self.currency}"
