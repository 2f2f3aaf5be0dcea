"""Server-rendered SVG charts for the report (no script, no external resource)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")
NEGATIVE = "#e15759"
FONT = 'font-family="sans-serif" font-size="11"'


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {FONT} {extra}>{escape(text)}</text>'
    )


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    label: str,
    width: int = 560,
    height: int = 220,
) -> str:
    """Bars per category, one colour per series, with a legend."""
    left, bottom, top = 36, 34, 22
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([v for _, values in series for v in values] + [1])
    slot = plot_w / max(1, len(categories))
    bar = slot * 0.8 / max(1, len(series))
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
            'stroke="#999"/>', _text(left - 4, top + 4, f"{peak:g}", "end")]  # fmt: skip
    for i, category in enumerate(categories):
        x0 = left + i * slot + slot * 0.1
        for j, (name, values) in enumerate(series):
            h = plot_h * values[i] / peak
            body.append(
                f'<rect class="bar" x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar - 1:.1f}" height="{h:.1f}" fill="{COLORS[j % len(COLORS)]}">'
                f"<title>{escape(name)} {escape(category)}: {values[i]:g}</title></rect>"
            )
        body.append(_text(x0 + slot * 0.4, height - bottom + 14, category))
    for j, (name, _) in enumerate(series):
        x = left + 30 + j * 90
        body.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLORS[j % 7]}"/>')
        body.append(_text(x + 14, 13, name, "start"))
    return _svg(width, height, body, label)


def horizontal_bars(
    items: Sequence[tuple[str, float]], label: str, width: int = 420, color: str = COLORS[0]
) -> str:
    """One bar per item, its label on the left and its value on the right."""
    row, left = 18, 150
    height = row * len(items) + 8
    peak = max([abs(v) for _, v in items] + [1e-9])
    body = []
    for i, (name, value) in enumerate(items):
        y = 4 + i * row
        w = (width - left - 60) * abs(value) / peak
        body.append(_text(left - 6, y + 12, name[:24], "end"))
        body.append(
            f'<rect class="bar" x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" '
            f'fill="{color}"/>'
        )
        body.append(_text(left + w + 4, y + 12, f"{value:g}", "start"))
    return _svg(width, height, body, label)


def band_line(
    points: Sequence[tuple[str, float, float, float, int, bool]],
    label: str,
    width: int = 640,
    height: int = 220,
) -> str:
    """A share over periods: ``(period, share, low, high, n, changed)``; the band is the 95 %
    interval, n is written under each point, changed points are ringed in red."""
    left, bottom, top = 40, 44, 14
    plot_w, plot_h = width - left - 36, height - bottom - top
    step = plot_w / max(1, len(points) - 1)

    def xy(i: int, value: float) -> tuple[float, float]:
        return left + i * step if len(points) > 1 else left + plot_w / 2, top + plot_h * (1 - value)

    upper = [xy(i, p[3]) for i, p in enumerate(points)]
    lower = [xy(i, p[2]) for i, p in reversed(list(enumerate(points)))]
    band = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, p[1]) for i, p in enumerate(points)))
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        _text(left - 4, top + 4, "100%", "end"),
        _text(left - 4, top + plot_h, "0%", "end"),
        _text(left - 4, top + plot_h / 2 + 4, "50%", "end"),
        f'<line x1="{left}" y1="{top + plot_h / 2:.1f}" x2="{left + plot_w}" '
        f'y2="{top + plot_h / 2:.1f}" stroke="#ddd" stroke-dasharray="3 3"/>',
        f'<polygon class="band" points="{band}" fill="{COLORS[0]}" fill-opacity="0.2"/>',
        f'<polyline class="line" points="{line}" fill="none" stroke="{COLORS[0]}" '
        'stroke-width="2"/>',
    ]
    for i, (period, value, _low, _high, n, changed) in enumerate(points):
        x, y = xy(i, value)
        ring = f' stroke="{NEGATIVE}" stroke-width="3"' if changed else ""
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{COLORS[0]}"{ring}>'
            f"<title>{escape(period)}: {value:.0%} of {n}</title></circle>"
        )
        if len(points) <= 16 or i % max(1, len(points) // 8) == 0:
            body.append(_text(x, height - bottom + 14, period[5:]))
            body.append(_text(x, height - bottom + 28, f"n={n}", extra='fill="#666"'))
    return _svg(width, height, body, label)


def mood_timeline(
    points: Sequence[tuple[float, float]],
    duration: float,
    negative_below: float,
    label: str,
    width: int = 560,
    height: int = 120,
) -> str:
    """The customer's mood over the call in [-1, 1], with the negative threshold dashed."""
    left, top, bottom = 30, 8, 20
    plot_w, plot_h = width - left - 10, height - top - bottom
    span = max(duration, max((t for t, _ in points), default=0.0), 1e-6)

    def xy(t: float, score: float) -> tuple[float, float]:
        return left + plot_w * t / span, top + plot_h * (1 - score) / 2

    _, threshold_y = xy(0, negative_below)
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(t, s) for t, s in points))
    body = [
        f'<rect x="{left}" y="{threshold_y:.1f}" width="{plot_w}" '
        f'height="{top + plot_h - threshold_y:.1f}" fill="{NEGATIVE}" fill-opacity="0.08"/>',
        f'<line x1="{left}" y1="{threshold_y:.1f}" x2="{left + plot_w}" y2="{threshold_y:.1f}" '
        f'stroke="{NEGATIVE}" stroke-dasharray="4 3"/>',
        _text(left - 4, top + 8, "+1", "end"),
        _text(left - 4, top + plot_h, "−1", "end"),
        _text(left + plot_w, height - 4, f"{span:.0f} s", "end"),
        f'<polyline class="line" points="{path}" fill="none" stroke="{COLORS[0]}" '
        'stroke-width="2"/>',
    ]
    for t, s in points:
        x, y = xy(t, s)
        fill = NEGATIVE if s < negative_below else COLORS[0]
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{fill}"/>')
    return _svg(width, height, body, label)
