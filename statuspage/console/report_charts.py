"""Horizontal bar charts for the reports page, laid out here and drawn by the template as
inline SVG (no scripts): each bar carries its label and value as text, and each chart a
<title> and <desc> so screen readers get the numbers too."""

from __future__ import annotations

from dataclasses import dataclass

ROW_HEIGHT = 24
BAR_HEIGHT = 16
LABEL_WIDTH = 180
BAR_SPACE = 300
VALUE_WIDTH = 90


@dataclass(frozen=True)
class Bar:
    label: str
    value_label: str
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    desc: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, float]],
              value_format: str = "{:g}") -> BarChart:
    """Lay out one bar per (label, value), scaled to the largest value."""
    largest = max((value for _, value in rows), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        width = round(BAR_SPACE * value / largest) if value > 0 else 0
        bars.append(Bar(label=label, value_label=value_format.format(value),
                        y=index * ROW_HEIGHT, width=width))
    desc = "; ".join(f"{bar.label}: {bar.value_label}" for bar in bars) or "No data."
    return BarChart(chart_id=chart_id, title=title, desc=desc, bars=bars,
                    width=LABEL_WIDTH + BAR_SPACE + VALUE_WIDTH,
                    height=max(len(bars), 1) * ROW_HEIGHT)
