"""Small server-side SVG charts (no script, nothing fetched): vertical bars and horizontal bars.

Every label is escaped; colours come from the stylesheet through class names, so the pages
keep a strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape


def bar_chart(labels: Sequence[str], values: Sequence[float], *, width: int = 640, height: int = 200,
              label_every: int = 1, title: str = "") -> Markup:
    """Vertical bars with the value on hover and every `label_every`-th label under the axis."""
    top, bottom, left, right = 14, 26, 34, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(values, default=0) or 1
    step = plot_w / max(1, len(values))
    bar_w = max(1.0, step * 0.72)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(peak * fraction)}</text>')
    for index, (label, value) in enumerate(zip(labels, values)):
        x = left + index * step + (step - bar_w) / 2
        bar_h = plot_h * value / peak
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
                     f'height="{bar_h:.1f}"><title>{escape(label)}: {_number(value)}</title></rect>')
        if index % label_every == 0:
            parts.append(f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(rows: Sequence[tuple[str, float, str]], *, width: int = 640, row_height: int = 26,
               maximum: float | None = None, title: str = "") -> Markup:
    """One horizontal bar a row: (label, value, text shown after the bar)."""
    label_w, text_w = 150, 110
    plot_w = width - label_w - text_w
    peak = maximum or max((v for _, v, _ in rows), default=0) or 1
    height = max(row_height, row_height * len(rows)) + 4
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for index, (label, value, note) in enumerate(rows):
        y = 2 + index * row_height
        bar_w = plot_w * value / peak
        parts.append(f'<text class="label" x="{label_w - 8}" y="{y + row_height * 0.65:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts.append(f'<rect class="track" x="{label_w}" y="{y + 4}" width="{plot_w}" height="{row_height - 8}"/>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{bar_w:.1f}" height="{row_height - 8}">'
                     f'<title>{escape(label)}: {escape(note)}</title></rect>')
        parts.append(f'<text class="value" x="{label_w + plot_w + 8}" y="{y + row_height * 0.65:.1f}">'
                     f'{escape(note)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
