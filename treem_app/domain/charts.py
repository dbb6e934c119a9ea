"""A line chart of a rate over weeks as plain geometry for a server-rendered SVG (issue 14).

No drawing library: the template writes the SVG elements from these numbers, so the labels stay
text (read by screen readers, selectable, crisp at any zoom, printable), the page loads no
script, and the same markup can go into a PDF. Plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .formatting import vn_number

# The plot area inside the SVG's view box (left margin for the percent labels).
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
GRID = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class ChartPoint:
    label: str  # the x-axis label ("T49")
    title: str  # the full name of the point ("Tuần 49/2026: 54,81 %")
    value: Decimal | None  # None: no figure that week (a gap in the line)
    x: float
    y: float | None


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: list[ChartPoint]
    grid: list[tuple[float, str]]  # (y, "50 %")
    lines: list[str]  # each run of consecutive known points, as an SVG points attribute
    left: int = LEFT
    right: float = WIDTH - RIGHT
    bottom: float = HEIGHT - BOTTOM

    @property
    def known(self) -> list[ChartPoint]:
        return [p for p in self.points if p.value is not None]


def rate_text(value: Decimal | None) -> str:
    return "chưa có số liệu" if value is None else f"{vn_number(float(value), 2)} %"


def rate_chart(series: list[tuple[str, str, Decimal | None]], width: int = WIDTH) -> LineChart:
    """The chart of (x label, point name, rate in percent or None) in order, `width` units
    wide (a phone's is narrower, so that its labels keep a readable size). The y axis runs
    from 0 to 100 % (a rate above 100 is drawn at the top edge, its title tells the value)."""
    plot_w = width - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (1 - min(max(value, 0.0), 100.0) / 100), 1)

    step = plot_w / max(len(series) - 1, 1)
    points = []
    for i, (label, name, value) in enumerate(series):
        x = round(LEFT + (step * i if len(series) > 1 else plot_w / 2), 1)
        y = None if value is None else y_of(float(value))
        points.append(ChartPoint(label, f"{name}: {rate_text(value)}", value, x, y))
    lines, run = [], []
    for p in points + [None]:
        if p is not None and p.y is not None:
            run.append(f"{p.x},{p.y}")
            continue
        if len(run) > 1:
            lines.append(" ".join(run))
        run = []
    grid = [(y_of(g), f"{g} %") for g in GRID]
    return LineChart(width, HEIGHT, points, grid, lines, right=width - RIGHT)
