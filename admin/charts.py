"""Charts drawn on the server as inline SVG: no script, no CDN, readable offline on a
kiosk or in a printout, and the figures are in the markup for screen readers too."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

ROW = 28  # pixels a bar takes, with its gap
LABEL = 150  # the label column
BARS = 380  # the longest bar
WIDTH = LABEL + BARS + 80  # room for the figure after the bar


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, percent: bool = False) -> Markup:
    """Horizontal bars, one a row: (label, value). Percent values are fractions 0–1."""
    top = max((value for _, value in bars), default=0.0)
    scale = 1.0 if percent else (top or 1.0)
    height = ROW * max(len(bars), 1) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for row, (label, value) in enumerate(bars):
        y = row * ROW + 4
        length = max(0.0, min(value / scale, 1.0)) * BARS
        figure = f"{value:.0%}" if percent else f"{value:g}"
        parts += [
            f'<text x="{LABEL - 8}" y="{y + 17}" text-anchor="end">{escape(label[:24])}</text>',
            f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{ROW - 8}" rx="3">'
            f"<title>{escape(label)}: {figure}</title></rect>",
            f'<text x="{LABEL + length + 6:.1f}" y="{y + 17}">{figure}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above
