"""The tape rule: captures from the front, releases from the back, money adds up exactly."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

from commissary.payments.allocation import Slice, backward, forward, slice_money


def test_captures_take_points_first_and_releases_take_the_card_first() -> None:
    tape = [(0, 0, 100), (0, 0, 120)]  # 100 points, then 120 points' worth on a card
    captures = forward(tape, 150)
    assert captures == [Slice(0, 100), Slice(0, 50)]
    releases = backward(tape, 70, captures)
    assert releases == [Slice(100, 100), Slice(50, 120)]


def test_more_than_is_open_is_refused() -> None:
    tape = [(60, 0, 100), (0, 100, 120)]
    assert forward(tape, 61) is None
    assert backward(tape, 41, forward(tape, 20)) is None
    assert backward(tape, 40, forward(tape, 20)) == [Slice(80, 100), Slice(0, 20)]


def test_spans_of_a_tender_always_add_up_to_its_authorized_amount() -> None:
    """Whatever the order and size of decisions, rounding never loses or makes a cent."""
    rng = random.Random(7)
    rate = Decimal("0.0333")
    for _ in range(200):
        share = rng.randint(1, 500)
        authorized = slice_money(Slice(0, share), rate, "EUR")
        captured = released = 0
        money = Decimal(0)
        while captured + released < share:
            step = rng.randint(1, share - captured - released)
            tape = [(captured, released, share)]
            if rng.random() < 0.5:
                (span,) = forward(tape, step) or []
                captured += step
            else:
                (span,) = backward(tape, step, [Slice(captured, captured)]) or []
                released += step
            money += slice_money(span, rate, "EUR")
        assert money == authorized


def test_points_spans_are_whole_points() -> None:
    for start, end in itertools.combinations(range(6), 2):
        assert slice_money(Slice(start, end), Decimal(1), "PTS") == end - start
