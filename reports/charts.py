"""Charts drawn on the server as inline SVG: no charting library, nothing
fetched from elsewhere, readable without JavaScript.

Every chart is an image with a title and a description for screen readers
(``role="img"``); series differ by dash pattern, marker shape or fill pattern
as well as colour, and a text legend names them. The numbers themselves are in
the table the page shows beside each chart. All text is escaped here.

Each chart is drawn twice, wide for desktops and narrow for phones, and the
page shows one of the two (``responsive``): a single drawing scaled down to a
phone would shrink its text below reading size.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Series:
    """A named row of values, one per label; None leaves a gap."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    font: int
    max_labels: int  # x-axis labels shown at most
    max_markers: int  # points per series above which markers are left out


WIDE = Size(width=720, height=300, font=13, max_labels=10, max_markers=45)
COMPACT = Size(width=600, height=300, font=13, max_labels=10, max_markers=45)
NARROW = Size(width=360, height=280, font=12, max_labels=4, max_markers=16)

# Colour, dash pattern and marker of each series, in order: the dash and the
# marker tell the series apart where the colour cannot.
LINE_STYLES = (
    ("#0d6efd", "", "circle"),
    ("#198754", "9 5", "square"),
    ("#b02a37", "3 4", "triangle"),
    ("#6f42c1", "12 4 3 4", "diamond"),
)
DASH_NAMES = ("solid line", "dashed line", "dotted line", "dash-dot line")
MARKER_NAMES = ("circles", "squares", "triangles", "diamonds")
# Fill of each bar series: solid, hatched, dotted.
BAR_STYLES = (("#0d6efd", "solid"), ("#b02a37", "hatch"), ("#6c757d", "dots"))
FILL_NAMES = ("solid bars", "hatched bars", "dotted bars")
AXIS = "#6c757d"
GRID = "#dee2e6"
TEXT = "#212529"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    """12, 1.5, 0.25: no trailing zeros."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, *, count: int = 4, whole: bool = True) -> list[float]:
    """Axis ticks from 0 to at least ``top`` in round steps (1, 2, 2.5, 5 x
    10^n); whole numbers only when ``whole`` (counts)."""
    if top <= 0:
        return [0, 1] if whole else [0, 0.5, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(
        factor * power for factor in (1, 2, 2.5, 5, 10) if factor * power >= raw
    )
    if whole:
        step = max(1, math.ceil(step))
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _text_width(text: str, font: int) -> float:
    return len(text) * font * 0.58


def _open(chart_id: str, size: Size, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'viewBox="0 0 {size.width} {size.height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" font-family="system-ui, sans-serif" '
        f'font-size="{size.font}" aria-labelledby="{_e(chart_id)}-title '
        f'{_e(chart_id)}-desc" id="{_e(chart_id)}">',
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
        f'<desc id="{_e(chart_id)}-desc">{_e(description)}</desc>',
    ]


def _legend(
    items: list[tuple[str, str]], size: Size, left: float
) -> tuple[list[str], float]:
    """Legend entries (swatch markup, name) laid out in rows from ``left``;
    returns the markup and the height it takes."""
    parts, x, row = [], left, 0
    line = size.font + 8
    for swatch, name in items:
        width = 34 + _text_width(name, size.font) + 16
        if x + width > size.width - 8 and x > left:
            x, row = left, row + 1
        y = 6 + row * line + size.font / 2
        parts.append(f'<g transform="translate({x:.1f},{y:.1f})">{swatch}')
        parts.append(
            f'<text x="34" y="0" dominant-baseline="central" fill="{TEXT}">'
            f"{_e(name)}</text></g>"
        )
        x += width
    return parts, (row + 1) * line + 10


def _marker(kind: str, x: float, y: float, colour: str, label: str = "") -> str:
    tip = f"<title>{_e(label)}</title>" if label else ""
    if kind == "circle":
        shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.6"'
    elif kind == "square":
        shape = f'<rect x="{x - 3.4:.1f}" y="{y - 3.4:.1f}" width="6.8" height="6.8"'
    elif kind == "triangle":
        shape = (
            f'<polygon points="{x:.1f},{y - 4.4:.1f} {x + 4.2:.1f},{y + 3.4:.1f} '
            f'{x - 4.2:.1f},{y + 3.4:.1f}"'
        )
    else:
        shape = (
            f'<polygon points="{x:.1f},{y - 4.6:.1f} {x + 4.6:.1f},{y:.1f} '
            f'{x:.1f},{y + 4.6:.1f} {x - 4.6:.1f},{y:.1f}"'
        )
    if not tip:
        return f'{shape} fill="{colour}" stroke="#fff" stroke-width="1"/>'
    closing = shape.split(" ", 1)[0][1:]
    return f'{shape} fill="{colour}" stroke="#fff" stroke-width="1">{tip}</{closing}>'


def _x_labels(labels: Sequence[str], xs: list[float], size: Size, left: float, y):
    """Every k-th label under the axis, kept inside the drawing."""
    count = len(labels)
    step = max(1, math.ceil(count / size.max_labels))
    parts = []
    for index in range(0, count, step):
        text = labels[index]
        half = _text_width(text, size.font) / 2
        x = min(max(xs[index], left - 4 + half), size.width - 4 - half)
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{TEXT}">'
            f"{_e(text)}</text>"
        )
    return parts


def _y_axis(ticks, scale, left, right, size, tick_format) -> list[str]:
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(
            f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{AXIS if tick == 0 else GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6:.1f}" y="{y:.1f}" text-anchor="end" '
            f'dominant-baseline="central" fill="{TEXT}">{_e(tick_format(tick))}</text>'
        )
    return parts


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    percent: bool = False,
    size: Size = WIDE,
) -> SafeString:
    """Lines over time, one per series (at most four), on one y axis from 0.
    ``percent``: values are percentages and the axis runs to 100 %."""
    tick_format = (lambda v: f"{_number(v)}%") if percent else _number
    legend_items = []
    for index, one in enumerate(series):
        colour, dash, marker = LINE_STYLES[index % len(LINE_STYLES)]
        swatch = (
            f'<line x1="0" x2="28" y1="0" y2="0" stroke="{colour}" stroke-width="2.5"'
            f"{f' stroke-dasharray={chr(34)}{dash}{chr(34)}' if dash else ''}/>"
            + _marker(marker, 14, 0, colour)
        )
        legend_items.append((swatch, one.name))
    values = [v for one in series for v in one.values if v is not None]
    whole = all(float(v).is_integer() for v in values)
    ticks = (
        [0, 25, 50, 75, 100]
        if percent
        else nice_ticks(max(values, default=0), whole=whole)
    )
    widest = max(_text_width(tick_format(t), size.font) for t in ticks)
    left = widest + 12
    right = size.width - 10
    legend, legend_height = _legend(legend_items, size, left)
    top = legend_height + 4
    bottom = size.height - size.font - 14
    top_value = ticks[-1] or 1

    def scale(value: float) -> float:
        return bottom - (bottom - top) * value / top_value

    count = len(labels)
    if count == 1:
        xs = [(left + right) / 2]
    else:
        xs = [left + (right - left) * i / max(count - 1, 1) for i in range(count)]
    parts = _open(chart_id, size, title, description)
    parts += legend
    parts += _y_axis(ticks, scale, left, right, size, tick_format)
    parts += _x_labels(labels, xs, size, left, bottom + size.font + 6)
    show_markers = count <= size.max_markers
    for index, one in enumerate(series):
        colour, dash, marker = LINE_STYLES[index % len(LINE_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments = [segment]
        for x, value in zip(xs, one.values, strict=False):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{x:.1f},{scale(value):.1f}")
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2.5" stroke-linejoin="round"'
                    f"{dash_attr}/>"
                )
        if show_markers or count == 1:
            for label, x, value in zip(labels, xs, one.values, strict=False):
                if value is not None:
                    tip = f"{label}: {one.name} {tick_format(value)}"
                    parts.append(_marker(marker, x, scale(value), colour, tip))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _bar_patterns(chart_id: str) -> str:
    defs = ["<defs>"]
    for index, (colour, fill) in enumerate(BAR_STYLES):
        pattern_id = f"{_e(chart_id)}-fill-{index}"
        if fill == "hatch":
            defs.append(
                f'<pattern id="{pattern_id}" width="7" height="7" '
                f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                f'<rect width="7" height="7" fill="#fff"/>'
                f'<line x1="0" y1="0" x2="0" y2="7" stroke="{colour}" '
                f'stroke-width="4"/></pattern>'
            )
        elif fill == "dots":
            defs.append(
                f'<pattern id="{pattern_id}" width="6" height="6" '
                f'patternUnits="userSpaceOnUse"><rect width="6" height="6" '
                f'fill="#fff"/><circle cx="3" cy="3" r="1.8" fill="{colour}"/>'
                f"</pattern>"
            )
    defs.append("</defs>")
    return "".join(defs)


def _bar_fill(chart_id: str, index: int) -> str:
    colour, fill = BAR_STYLES[index % len(BAR_STYLES)]
    if fill == "solid":
        return colour
    return f"url(#{_e(chart_id)}-fill-{index % len(BAR_STYLES)})"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_labels: Sequence[Sequence[str]] | None = None,
    size: Size = WIDE,
) -> SafeString:
    """Grouped bars: for each category, one bar per series (at most three),
    solid, hatched or dotted, each with its value written above it
    (``value_labels[series][category]`` when given, else the number)."""
    legend_items = []
    for index, one in enumerate(series):
        colour = BAR_STYLES[index % len(BAR_STYLES)][0]
        swatch = (
            f'<rect x="2" y="-7" width="26" height="14" '
            f'fill="{_bar_fill(chart_id, index)}" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
        legend_items.append((swatch, one.name))
    values = [v for one in series for v in one.values if v is not None]
    whole = all(float(v).is_integer() for v in values)
    ticks = nice_ticks(max(values, default=0), whole=whole)
    widest = max(_text_width(_number(t), size.font) for t in ticks)
    left = widest + 12
    right = size.width - 10
    legend, legend_height = _legend(legend_items, size, left)
    top = legend_height + size.font + 8  # room for the value above the tallest bar
    bottom = size.height - size.font - 14
    top_value = ticks[-1] or 1

    def scale(value: float) -> float:
        return bottom - (bottom - top) * value / top_value

    group = (right - left) / max(len(categories), 1)
    gap = group * 0.22
    bar = (group - gap) / max(len(series), 1)
    parts = _open(chart_id, size, title, description)
    parts.append(_bar_patterns(chart_id))
    parts += legend
    parts += _y_axis(ticks, scale, left, right, size, _number)
    centres = [left + group * (i + 0.5) for i in range(len(categories))]
    parts += _x_labels(categories, centres, size, left, bottom + size.font + 6)
    for s_index, one in enumerate(series):
        colour = BAR_STYLES[s_index % len(BAR_STYLES)][0]
        fill = _bar_fill(chart_id, s_index)
        for c_index, value in enumerate(one.values):
            if value is None:
                continue
            x = left + group * c_index + gap / 2 + bar * s_index
            y = scale(value)
            label = value_labels[s_index][c_index] if value_labels else _number(value)
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" '
                f'height="{max(bottom - y, 0):.1f}" fill="{fill}" stroke="{colour}" '
                f'stroke-width="1.5"><title>{_e(categories[c_index])}: '
                f"{_e(one.name)} {_e(label)}</title></rect>"
            )
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" '
                f'fill="{TEXT}">{_e(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def series_description(series: Sequence[Series], *, bars: bool = False) -> str:
    """How the series are told apart, for a chart's description."""
    names = (
        FILL_NAMES
        if bars
        else [
            f"{dash} with {marker}"
            for dash, marker in zip(DASH_NAMES, MARKER_NAMES, strict=True)
        ]
    )
    return "; ".join(
        f"{one.name}: {names[index % len(names)]}" for index, one in enumerate(series)
    )


def responsive(
    draw: Callable[..., SafeString], *, wide_size: Size = WIDE, **chart
) -> SafeString:
    """The chart drawn wide (shown from the md breakpoint up; ``wide_size``
    for a chart given half the page) and narrow (phones), as two figures of
    which the page shows one."""
    chart_id = chart.pop("chart_id")
    wide = draw(chart_id=f"{chart_id}-wide", size=wide_size, **chart)
    narrow = draw(chart_id=f"{chart_id}-narrow", size=NARROW, **chart)
    return mark_safe(  # noqa: S308 - both drawings escape their text
        f'<div class="d-none d-md-block">{wide}</div>'
        f'<div class="d-md-none">{narrow}</div>'
    )
