"""Bar charts as inline SVG, rendered on the server: no script, no external assets."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # shown as the bar's tooltip, e.g. "n=12"


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    unit: str = "",
    width: int = 520,
    height: int = 220,
    label_every: int = 1,
    empty: str = "no data",
) -> str:
    """An accessible SVG bar chart. Every text is escaped; the result is safe to embed."""
    pad_left, pad_bottom, pad_top = 40, 34, 22
    inner_w, inner_h = width - pad_left - 8, height - pad_bottom - pad_top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{pad_left}" y="14" class="chart-title">{escape(title)}</text>',
    ]
    top = max((b.value for b in bars), default=0.0)
    if not bars or top <= 0:
        parts.append(
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" class="chart-empty">'
            f"{escape(empty)}</text></svg>"
        )
        return "".join(parts)
    base_y = pad_top + inner_h
    parts.append(
        f'<line x1="{pad_left}" y1="{base_y}" x2="{width - 8}" y2="{base_y}" class="axis"/>'
        f'<text x="{pad_left - 4}" y="{pad_top + 4}" text-anchor="end" class="tick">'
        f"{escape(_fmt(top))}{escape(unit)}</text>"
        f'<text x="{pad_left - 4}" y="{base_y}" text-anchor="end" class="tick">0</text>'
    )
    step = inner_w / len(bars)
    bar_w = max(1.0, step * 0.75)
    for i, bar in enumerate(bars):
        h = inner_h * max(bar.value, 0.0) / top
        x = pad_left + i * step + (step - bar_w) / 2
        tip = f"{bar.label}: {_fmt(bar.value)}{unit}" + (f" ({bar.note})" if bar.note else "")
        parts.append(
            f'<rect x="{x:.1f}" y="{base_y - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'class="bar"><title>{escape(tip)}</title></rect>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{base_y + 14}" text-anchor="middle" '
                f'class="tick">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
