"""Server-rendered SVG charts: no JavaScript, no charting library.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` for screen
readers, a ``<title>`` on every bar (the tooltip), and a dashed threshold line. The pages
also show the same numbers as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

from conferences.attendance.rules import below_threshold, format_percent

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 170
CHART_WIDTH = 560
_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # a fraction 0..1, or None when nothing was expected
    detail: str = ""


def _percent(value: float | None) -> str:
    return "no data" if value is None else format_percent(value)


def _colour(value: float | None, threshold_percent: int) -> str:
    if value is None:
        return "#adb5bd"
    return "#dc3545" if below_threshold(value, threshold_percent) else "#198754"


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(title: str, bars: list[Bar], threshold_percent: int) -> Markup:
    """Horizontal bars (one per label), 0–100 %, with the threshold marked."""
    chart_id = f"chart-{next(_ids)}"
    threshold = threshold_percent / 100
    plot = CHART_WIDTH - LABEL_WIDTH - 50
    height = max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP) + 30
    below = [b.label for b in bars if below_threshold(b.value, threshold_percent)]
    description = f"{len(bars)} bars. " + (
        f"Below {threshold_percent} %: {', '.join(below)}."
        if below
        else "None below the threshold."
    )
    parts = [
        f'<svg class="report-chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for i, bar in enumerate(bars):
        y = 10 + i * (BAR_HEIGHT + BAR_GAP)
        width = 0 if bar.value is None else max(1.0, min(bar.value, 1.0) * plot)
        tooltip = f"{bar.label}: {_percent(bar.value)}" + (f" ({bar.detail})" if bar.detail else "")
        parts.append(
            f'<g class="bar"><title>{escape(tooltip)}</title>'
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end" '
            f'font-size="12">{escape(_short(bar.label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{_colour(bar.value, threshold_percent)}" rx="2"></rect>'
            f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" '
            f'font-size="12">{escape(_percent(bar.value))}</text></g>'
        )
    x = LABEL_WIDTH + threshold * plot
    parts.append(
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{height - 20}" stroke="#212529" '
        f'stroke-dasharray="4 3"><title>Threshold {threshold_percent} %</title></line>'
        f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="11">'
        f"{threshold_percent} %</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every interpolated text is escaped above


def column_chart(title: str, bars: list[Bar], threshold_percent: int) -> Markup:
    """Vertical bars in order (a trend by month), 0–100 %, with the threshold marked."""
    chart_id = f"chart-{next(_ids)}"
    threshold = threshold_percent / 100
    height, top, bottom, left = 220, 10, 40, 36
    plot_height = height - top - bottom
    slot = max(28, min(60, (CHART_WIDTH - left) / max(1, len(bars))))
    width = left + slot * max(1, len(bars)) + 10
    values = ", ".join(f"{b.label} {_percent(b.value)}" for b in bars) or "no data"
    parts = [
        f'<svg class="report-chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {width:.0f} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(values)}</desc>',
    ]
    for tick in (0, 50, 100):
        y = top + plot_height * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" x2="{width - 6:.0f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dee2e6">'
            f'</line><text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
            f"{tick}</text>"
        )
    for i, bar in enumerate(bars):
        x = left + i * slot + slot * 0.15
        bar_height = 0 if bar.value is None else min(bar.value, 1.0) * plot_height
        y = top + plot_height - bar_height
        tooltip = f"{bar.label}: {_percent(bar.value)}" + (f" ({bar.detail})" if bar.detail else "")
        parts.append(
            f'<g class="bar"><title>{escape(tooltip)}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_height:.1f}" '
            f'fill="{_colour(bar.value, threshold_percent)}" rx="2"></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
            f'font-size="10">{escape(_short(bar.label, 8))}</text></g>'
        )
    y = top + plot_height * (1 - threshold)
    parts.append(
        f'<line x1="{left}" x2="{width - 6:.0f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#212529" '
        f'stroke-dasharray="4 3"><title>Threshold {threshold_percent} %</title></line>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every interpolated text is escaped above


def share_chart(title: str, rows: list[tuple[str, float, float]]) -> Markup:
    """Paired bars per topic: actual share (filled) against target share (outline)."""
    chart_id = f"chart-{next(_ids)}"
    peak = max([max(a, t) for _, a, t in rows] + [0.01])
    plot = CHART_WIDTH - LABEL_WIDTH - 60
    row_height = 26
    height = max(1, len(rows)) * row_height + 10
    parts = [
        f'<svg class="report-chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">Filled bars: share of hours; outlines: target share.</desc>',
    ]
    for i, (label, actual, target) in enumerate(rows):
        y = 6 + i * row_height
        tooltip = f"{label}: {_percent(actual)} of hours, target {_percent(target)}"
        parts.append(
            f'<g class="bar"><title>{escape(tooltip)}</title>'
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(_short(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{actual / peak * plot:.1f}" height="14" '
            f'fill="{"#0d6efd" if actual >= target else "#fd7e14"}"></rect>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{target / peak * plot:.1f}" height="20" '
            f'fill="none" stroke="#212529" stroke-dasharray="3 2"></rect>'
            f'<text x="{LABEL_WIDTH + max(actual, target) / peak * plot + 4:.1f}" y="{y + 14}" '
            f'font-size="11">{escape(_percent(actual))} / {escape(_percent(target))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every interpolated text is escaped above
