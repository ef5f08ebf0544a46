"""Small server-side SVG charts: bars and lines with axes, labels and accessible titles.

Charts are plain SVG markup embedded in the page: no script, no CDN, nothing to load.
Colours and fonts come from classes styled in ``reports.css`` (the pages' content
security policy forbids inline styles). Each chart carries a ``<title>`` and a
``<desc>`` (referenced by ``aria-labelledby``) and every bar or point has its own
``<title>``, so screen readers and hover both tell the exact figure; the page shows the
same figures in a table as well.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, WIDE, HEIGHT = 640, 1000, 260  # WIDE: for charts across the whole page
LEFT, RIGHT, TOP, BOTTOM = 66, 36, 30, 44
MAX_X_LABELS = 7


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step >= 1:
        step = float(math.ceil(step))
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _number(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


def _shown_labels(count: int) -> set[int]:
    """Indexes of the x labels to print: all if few, else evenly spaced ones and the last."""
    if count <= MAX_X_LABELS:
        return set(range(count))
    step = math.ceil(count / MAX_X_LABELS)
    shown = list(range(0, count, step))
    if count - 1 - shown[-1] >= step * 0.6:  # room for the last label too
        shown.append(count - 1)
    return set(shown)


def _frame(
    chart_id: str, title: str, desc: str, ticks: list[float], unit: str, width: int
) -> tuple[list[str], Callable[[float], float]]:
    plot_h = HEIGHT - TOP - BOTTOM
    top = ticks[-1] or 1.0

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    kind = " chart-wide" if width > WIDTH else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart{kind}" id="{chart_id}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for tick in ticks:
        ty = y(tick)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{width - RIGHT}" '
            f'y1="{ty:.1f}" y2="{ty:.1f}"/>'
        )
        parts.append(
            f'<text class="chart-tick" x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{escape(_number(tick))}</text>"
        )
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" x2="{width - RIGHT}" '
        f'y1="{y(0):.1f}" y2="{y(0):.1f}"/>'
    )
    if unit:
        parts.append(f'<text class="chart-unit" x="4" y="{TOP - 14}">{escape(unit)}</text>')
    return parts, y


def _x_labels(labels: Sequence[str], centres: Sequence[float]) -> list[str]:
    """The x labels to print; every other one is marked ``chart-label-alt`` so a narrow
    screen can hide it (the stylesheet does) instead of letting them overlap."""
    shown = sorted(_shown_labels(len(labels)))
    alternate = set(shown[1::2]) if len(shown) > 4 else set()
    return [
        f'<text class="chart-label{" chart-label-alt" if i in alternate else ""}" '
        f'x="{centres[i]:.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle">'
        f"{escape(labels[i])}</text>"
        for i in shown
    ]


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    unit: str = "",
    describe: Callable[[str, float], str] | None = None,
    wide: bool = False,
) -> Markup:
    """Vertical bars, one per label; ``describe(label, value)`` words each bar's tooltip."""
    if len(labels) != len(values):
        raise ValueError("one value per label")
    ticks = nice_ticks(max(values, default=0))
    total = sum(values)
    desc = (
        f"{len(values)} bars, {labels[0]} to {labels[-1]}; total {_number(total)} {unit}".strip()
        if labels
        else "No data"
    )
    width = WIDE if wide else WIDTH
    parts, y = _frame(chart_id, title, desc, ticks, unit, width)
    plot_w = width - LEFT - RIGHT
    slot = plot_w / max(len(values), 1)
    bar_w = max(min(slot * 0.7, 48.0), 1.0)
    centres = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = LEFT + slot * i + slot / 2
        centres.append(cx)
        top = y(value)
        height = max(y(0) - top, 0.0)
        words = describe(label, value) if describe else f"{label}: {_number(value)} {unit}".strip()
        parts.append(
            f'<rect class="chart-bar" x="{cx - bar_w / 2:.1f}" y="{top:.1f}" '
            f'width="{bar_w:.1f}" height="{height:.1f}"><title>{escape(words)}</title></rect>'
        )
    parts += _x_labels(labels, centres)
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    wide: bool = False,
) -> Markup:
    """One line per series over shared x labels, with a legend when there are several."""
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("each series needs one value per label")
    top = max((v for s in series for v in s.values), default=0)
    ticks = nice_ticks(top)
    desc = (
        f"{', '.join(s.name for s in series)} from {labels[0]} to {labels[-1]}"
        if labels and series
        else "No data"
    )
    width = WIDE if wide else WIDTH
    parts, y = _frame(chart_id, title, desc, ticks, unit, width)
    plot_w = width - LEFT - RIGHT
    step = plot_w / max(len(labels) - 1, 1)
    centres = [LEFT + step * i for i in range(len(labels))]
    for n, s in enumerate(series):
        points = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(centres, s.values, strict=True))
        parts.append(f'<g class="chart-series chart-series-{n % 4}">')
        parts.append(f'<polyline class="chart-line" points="{points}"/>')
        if len(labels) <= 60:
            for x, label, value in zip(centres, labels, s.values, strict=True):
                parts.append(
                    f'<circle class="chart-point" cx="{x:.1f}" cy="{y(value):.1f}" r="3">'
                    f"<title>{escape(f'{s.name}, {label}: {_number(value)} {unit}'.strip())}"
                    "</title></circle>"
                )
        parts.append("</g>")
    if len(series) > 1:  # a legend in the top right corner
        for n, s in enumerate(series):
            lx = width - RIGHT - (len(series) - n) * 110
            parts.append(
                f'<g class="chart-series chart-series-{n % 4}"><rect class="chart-key" x="{lx}" '
                f'y="{TOP - 20}" width="14" height="4"/><text class="chart-label" x="{lx + 20}" '
                f'y="{TOP - 14}">{escape(s.name)}</text></g>'
            )
    parts += _x_labels(labels, centres)
    parts.append("</svg>")
    return Markup("".join(parts))
