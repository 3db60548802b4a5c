"""Server-side charts as inline SVG (no JavaScript): lines, bars, grouped bars, Pareto, heat map.

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` referenced by ``aria-labelledby``,
and text in a font stack that starts with Noto Sans CJK SC (Debian's fonts-noto-cjk) so Chinese labels
render. All text is escaped here; the result is marked safe for templates.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
PALETTE = ["#2b6cb0", "#dd6b20", "#2f855a", "#805ad5", "#c53030", "#319795", "#b7791f", "#4a5568"]
_ids = itertools.count(1)

W, H = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 36, 76


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:,.0f}"


def _open(title: str, desc: str, width: int = W, height: int = H) -> tuple[str, list[str]]:
    n = next(_ids)
    tid, did = f"chart{n}-title", f"chart{n}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-labelledby="{tid} {did}" '
        f'font-family="{_e(FONT)}" font-size="12">'
        f'<title id="{tid}">{_e(title)}</title><desc id="{did}">{_e(desc)}</desc>'
        f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{_e(title)}</text>"
    )
    return head, []


def _nice_max(values: Sequence[float | None], floor: float = 1.0) -> float:
    top = max([v for v in values if v is not None] + [floor])
    for step in (1, 2, 2.5, 5, 10):
        mag = 10 ** (len(str(int(top))) - 1)
        cand = step * mag
        if cand >= top:
            return float(cand)
    return float(top)


def _axes(parts: list[str], labels: Sequence[str], ymax: float, unit: str, width: int = W) -> None:
    x0, x1, y0, y1 = LEFT, width - RIGHT, H - BOTTOM, TOP
    for i in range(5):
        y = y0 - (y0 - y1) * i / 4
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        parts.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4a5568">'
            f"{_e(_fmt(ymax * i / 4))}{_e(unit)}</text>"
        )
    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#4a5568"/>')
    n = max(len(labels), 1)
    step = (x1 - x0) / n
    for i, lab in enumerate(labels):
        x = x0 + step * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{y0 + 16}" text-anchor="end" transform="rotate(-30 {x:.1f} {y0 + 16})" '
            f'fill="#2d3748">{_e(lab)}</text>'
        )


def _y(v: float, ymax: float) -> float:
    return (H - BOTTOM) - (H - BOTTOM - TOP) * (v / ymax if ymax else 0)


def _text_width(text: str, size: float = 12) -> float:
    """Rough rendered width: CJK characters are square, Latin ones a little over half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


def _legend(parts: list[str], names: Sequence[str], width: int = W) -> None:
    """Swatches and names under the chart, wrapping onto a second line when they do not fit."""
    x, y = float(LEFT), H - 22
    for i, name in enumerate(names):
        w = 18 + _text_width(name, 11)
        if x + w > width - 8 and x > LEFT:
            x, y = float(LEFT), y + 14
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y}" font-size="11">{_e(name)}</text>')
        x += w + 10


def _close(head: str, parts: list[str]) -> SafeString:
    return mark_safe(head + "".join(parts) + "</svg>")  # noqa: S308 - every text above went through _e


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], unit: str = ""
) -> SafeString:
    """One polyline per series over the labels (gaps where a value is None)."""
    desc = "; ".join(
        f"{name}: "
        + ", ".join(f"{lab} {'—' if v is None else _fmt(v)}" for lab, v in zip(labels, vals, strict=False))
        for name, vals in series
    )
    head, parts = _open(title, desc)
    ymax = _nice_max([v for _n, vals in series for v in vals])
    _axes(parts, labels, ymax, unit)
    step = (W - RIGHT - LEFT) / max(len(labels), 1)
    for si, (name, vals) in enumerate(series):
        color = PALETTE[si % len(PALETTE)]
        seg: list[str] = []
        for i, v in enumerate(vals):
            x = LEFT + step * (i + 0.5)
            if v is None:
                if len(seg) > 1:
                    parts.append(
                        f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(seg)}"/>'
                    )
                seg = []
                continue
            y = _y(v, ymax)
            seg.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{_e(name)} {_e(labels[i])}: '
                f"{_e(_fmt(v))}{_e(unit)}</title></circle>"
            )
        if len(seg) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(seg)}"/>'
            )
    _legend(parts, [n for n, _v in series])
    return _close(head, parts)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
    ymax: float | None = None,
) -> SafeString:
    """Vertical bars; several series make grouped bars."""
    desc = "; ".join(
        f"{name}: "
        + ", ".join(f"{lab} {'—' if v is None else _fmt(v)}" for lab, v in zip(labels, vals, strict=False))
        for name, vals in series
    )
    head, parts = _open(title, desc)
    top = ymax or _nice_max([v for _n, vals in series for v in vals])
    _axes(parts, labels, top, unit)
    step = (W - RIGHT - LEFT) / max(len(labels), 1)
    bw = step * 0.8 / max(len(series), 1)
    for si, (name, vals) in enumerate(series):
        color = PALETTE[si % len(PALETTE)]
        for i, v in enumerate(vals):
            if v is None:
                continue
            x = LEFT + step * i + step * 0.1 + bw * si
            y = _y(v, top)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{H - BOTTOM - y:.1f}" fill="{color}">'
                f"<title>{_e(name)} {_e(labels[i])}: {_e(_fmt(v))}{_e(unit)}</title></rect>"
            )
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10">{_e(_fmt(v))}</text>'
            )
    if len(series) > 1:
        _legend(parts, [n for n, _v in series])
    return _close(head, parts)


def pareto_chart(
    title: str, labels: Sequence[str], counts: Sequence[int], cumulative: Sequence[float]
) -> SafeString:
    """Bars sorted descending (the caller sorts) and the cumulative share line on a 0–100 % right axis."""
    desc = ", ".join(f"{lab} {n} ({_fmt(c)}%)" for lab, n, c in zip(labels, counts, cumulative, strict=False))
    head, parts = _open(title, desc)
    top = _nice_max([float(c) for c in counts])
    _axes(parts, labels, top, "")
    step = (W - RIGHT - LEFT) / max(len(labels), 1)
    for i in range(5):
        y = _y(25.0 * i, 100.0)
        parts.append(f'<text x="{W - RIGHT + 6}" y="{y + 4:.1f}" fill="#c53030">{25 * i}%</text>')
    pts = []
    for i, (lab, n, c) in enumerate(zip(labels, counts, cumulative, strict=False)):
        x = LEFT + step * i + step * 0.15
        y = _y(float(n), top)
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{H - BOTTOM - y:.1f}" '
            f'fill="{PALETTE[0]}"><title>{_e(lab)}: {n}</title></rect>'
        )
        cx, cy = LEFT + step * (i + 0.5), _y(float(c), 100.0)
        pts.append(f"{cx:.1f},{cy:.1f}")
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="#c53030"><title>{_e(lab)}: {_e(_fmt(c))}%</title></circle>'
        )
    if pts:
        parts.append(
            f'<polyline class="cumulative" fill="none" stroke="#c53030" stroke-width="2" points="{" ".join(pts)}"/>'
        )
    return _close(head, parts)


def _heat_colour(v: float, vmax: float) -> str:
    """White (0) to deep red (vmax)."""
    t = 0.0 if vmax <= 0 else max(0.0, min(1.0, v / vmax))
    r, g, b = 255 - int(58 * t), 245 - int(197 * t), 240 - int(192 * t)
    return f"rgb({r},{g},{b})"


def heat_map(
    title: str, cells: Sequence[tuple[str, str, float | None]], unit: str = "", columns: int = 5
) -> SafeString:
    """A grid of tiles (label, second line, value) coloured by value; grey when there is no value."""
    columns = max(1, min(columns, len(cells)))
    rows = max(1, (len(cells) + columns - 1) // columns)
    cw, ch = 120, 64
    width = max(360, columns * (cw + 8) + 16)
    height = 40 + rows * (ch + 8) + 8
    desc = ", ".join(f"{a} {'—' if v is None else _fmt(v) + unit}" for a, _b, v in cells)
    head, parts = _open(title, desc, width, height)
    vmax = max([v for _a, _b, v in cells if v is not None] + [0.0])
    for i, (label, sub, v) in enumerate(cells):
        x = 8 + (i % columns) * (cw + 8)
        y = 32 + (i // columns) * (ch + 8)
        fill = "#edf2f7" if v is None else _heat_colour(v, vmax)
        dark = v is not None and vmax > 0 and v / vmax > 0.6
        ink = "#ffffff" if dark else "#1a202c"
        shown = "—" if v is None else f"{_fmt(v)}{unit}"
        parts.append(
            f'<g class="tile"><rect x="{x}" y="{y}" width="{cw}" height="{ch}" rx="4" fill="{fill}" stroke="#cbd5e0">'
            f"<title>{_e(label)} ({_e(sub)}): {_e(shown)}</title></rect>"
            f'<text x="{x + 8}" y="{y + 20}" fill="{ink}" font-weight="bold">{_e(label[:9])}</text>'
            f'<text x="{x + 8}" y="{y + 38}" fill="{ink}" font-size="11">{_e(sub[:12])}</text>'
            f'<text x="{x + 8}" y="{y + 56}" fill="{ink}">{_e(shown)}</text></g>'
        )
    return _close(head, parts)
