"""Calendar arithmetic for entitlement windows and budget periods (all in UTC).

A *calendar* period is the year, quarter or month that a moment falls in: usage counts
from its first instant and resets at the next period's. A *rolling* window of N months
counts what was ordered since the same moment N months ago (the day clamped to the
shorter month: 31 May minus 3 months is 28 or 29 February); each unit leaves the window
N months after it was ordered.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by ``months`` (negative: back), the day clamped to the month."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def calendar_bounds(kind: str, moment: datetime) -> tuple[datetime, datetime]:
    """The ``year`` / ``quarter`` / ``month`` containing ``moment``: [start, end)."""
    moment = moment.astimezone(UTC)
    if kind == "year":
        start = datetime(moment.year, 1, 1, tzinfo=UTC)
        return start, add_months(start, 12)
    if kind == "quarter":
        start = datetime(moment.year, 3 * ((moment.month - 1) // 3) + 1, 1, tzinfo=UTC)
        return start, add_months(start, 3)
    if kind == "month":
        start = datetime(moment.year, moment.month, 1, tzinfo=UTC)
        return start, add_months(start, 1)
    raise ValueError(f"not a calendar period: {kind}")


def period_key(kind: str, start: datetime) -> str:
    """A stable name for a period: ``2026``, ``2026-Q4``, ``2026-11``."""
    if kind == "year":
        return f"{start.year}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def period_label(kind: str, start: datetime) -> str:
    """How people read a period: ``2026``, ``Q4 2026``, ``November 2026``."""
    if kind == "year":
        return f"{start.year}"
    if kind == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return start.strftime("%B %Y")


def previous_periods(kind: str, moment: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """The period containing ``moment`` and the ``count - 1`` before it, oldest first."""
    step = {"year": 12, "quarter": 3, "month": 1}[kind]
    start, _ = calendar_bounds(kind, moment)
    return [
        (add_months(start, -step * back), add_months(start, -step * (back - 1)))
        for back in range(count - 1, -1, -1)
    ]


def human_date(moment: datetime) -> str:
    return f"{moment.day} {moment.strftime('%b %Y')}"
