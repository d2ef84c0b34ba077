"""The result's pitch chart as inline SVG: the actor's and the learner's pitch on the
actor's clock, a labelled scale (semitones around the speaker's own level for speech,
note names for songs), seconds along the bottom and every word under its span.

Two drawings of the same data: a wide one, and a narrow one with larger type for phones
(CSS shows one), because an SVG scaled down to 390 px shrinks its text below reading size.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext as _

NOTE_NAMES = ("C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B")


@dataclass(frozen=True)
class Layout:
    css: str
    width: int
    height: int
    left: int  # room for the scale and its title
    right: int
    top: int
    font: int  # px in the drawing; the wide one shows at about 1:1 on a laptop
    label_rows: int  # rows for word labels, so neighbours do not overlap

    @property
    def plot_bottom(self) -> int:
        return self.height - 22 - self.label_rows * (self.font + 5)


WIDE = Layout("pitch-chart pitch-chart-wide", 720, 270, 58, 14, 12, 13, 2)
NARROW = Layout("pitch-chart pitch-chart-narrow", 360, 300, 50, 8, 12, 13, 3)


def note_name(midi: float) -> str:
    n = round(midi)
    return f"{NOTE_NAMES[n % 12]}{n // 12 - 1}"


def _segments(
    times: Sequence[float | None],
    values: Sequence[float | None],
    sx: Callable[[float], float],
    sy: Callable[[float], float],
) -> list[str]:
    """Polyline point lists, broken where the voice is silent (None)."""
    out: list[str] = []
    current: list[str] = []
    for t, v in zip(times, values, strict=False):
        if t is None or v is None:
            if len(current) > 1:
                out.append(" ".join(current))
            current = []
            continue
        current.append(f"{sx(t):.1f},{sy(v):.1f}")
    if len(current) > 1:
        out.append(" ".join(current))
    return out


def _nice_step(span: float, most: int) -> float:
    """The smallest of 1, 2, 3, 4, 6, 12 that puts at most `most` ticks on `span`."""
    for step in (1, 2, 3, 4, 6, 12):
        if span / step <= most:
            return step
    return 12


def _y_ticks(lo: float, hi: float, song: bool, most: int) -> list[tuple[float, str]]:
    step = _nice_step(hi - lo, most)
    first = math.ceil(lo / step) * step
    ticks = []
    v = first
    while v <= hi + 1e-9:
        label = note_name(v) if song else "0" if v == 0 else f"{v:+.0f}".replace("-", "−")
        ticks.append((v, label))
        v += step
    return ticks


def _x_ticks(t0: float, t1: float, most: int) -> list[float]:
    for step in (0.5, 1.0, 2.0, 5.0, 10.0):
        if (t1 - t0) / step <= most:
            break
    first = math.ceil(t0 / step) * step
    return [first + i * step for i in range(int((t1 - first) / step + 1e-9) + 1)]


def _known_span(word: Mapping[str, Any]) -> tuple[float, float] | None:
    start, end = word.get("ref_start"), word.get("ref_end")
    if isinstance(start, int | float) and isinstance(end, int | float):
        return float(start), float(end)
    return None


def _word_spans(
    words: Sequence[Mapping[str, Any]],
) -> list[tuple[Mapping[str, Any], float, float]]:
    """Each word's span on the actor's clock. A word the aligner could not place in the
    actor's clip still gets its label: in the gap between its neighbours."""
    known = [_known_span(w) for w in words]
    spans = []
    for i, word in enumerate(words):
        span = known[i]
        if span is None:
            before = next((k[1] for k in reversed(known[:i]) if k), None)
            after = next((k[0] for k in known[i + 1 :] if k), None)
            if before is None or after is None:
                continue
            span = (before, max(before, after))
        spans.append((word, span[0], span[1]))
    return spans


def _word_rows(
    words: Sequence[Mapping[str, Any]], sx: Callable[[float], float], layout: Layout
) -> list[tuple[Mapping[str, Any], float, float, int]]:
    """Each word's label centred under its span, in the first row where it fits."""
    ends = [-1e9] * layout.label_rows
    placed = []
    for word, start, end in _word_spans(words):
        x = sx((start + end) / 2)
        half = len(str(word.get("text", ""))) * layout.font * 0.3 + 2
        row = next((r for r, e in enumerate(ends) if x - half > e), None)
        if row is None:  # no room anywhere: the row that frees up first
            row = min(range(layout.label_rows), key=lambda r: ends[r])
        ends[row] = x + half
        placed.append((word, sx(start), x, row))
    return placed


def draw(feedback: Mapping[str, Any] | None, layout: Layout) -> str:
    """The SVG markup, or an empty string when there is no pitch to draw. Every text that
    reaches the markup goes through escape(); numbers are formatted."""
    pitch: Mapping[str, Any] = (feedback.get("pitch") if feedback else None) or {}
    times = [t for t in pitch.get("times") or [] if t is not None]
    ref, att = pitch.get("reference") or [], pitch.get("attempt") or []
    values = [v for v in (*ref, *att) if v is not None]
    if len(times) < 2 or not values:
        return ""
    song = pitch.get("unit") != "semitones"
    t0, t1 = times[0], times[-1] if times[-1] > times[0] else times[0] + 1
    lo, hi = min(values) - 0.5, max(values) + 0.5
    if hi - lo < 6:
        mid = (hi + lo) / 2
        lo, hi = mid - 3, mid + 3
    x0, x1 = layout.left, layout.width - layout.right
    y0, y1 = layout.top, layout.plot_bottom

    def sx(t: float) -> float:
        return x0 + (t - t0) / (t1 - t0) * (x1 - x0)

    def sy(v: float) -> float:
        return y0 + (hi - v) / (hi - lo) * (y1 - y0)

    f = layout.font
    label = _("Pitch: the actor and you")
    title = _("note") if song else _("semitones")
    parts = [
        f'<svg class="{layout.css}" viewBox="0 0 {layout.width} {layout.height}" role="img" '
        # The type size as a presentation attribute: a style attribute is refused by the
        # site's Content-Security-Policy (style-src without 'unsafe-inline').
        f'aria-label="{escape(label)}" font-size="{f}">',
        f'<text class="axis-title" transform="translate({f + 1} {(y0 + y1) / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">{escape(title)}</text>',
    ]
    for v, text in _y_ticks(lo, hi, song, most=6):
        y = sy(v)
        parts.append(
            f'<line class="grid" x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{x0 - 5}" y="{y + f * 0.35:.1f}" text-anchor="end">'
            f"{escape(text)}</text>"
        )
    parts.append(f'<line class="axis-line" x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}"/>')
    for t in _x_ticks(t0, t1, most=8 if layout is WIDE else 4):
        x = sx(t)
        parts.append(
            f'<line class="axis-line" x1="{x:.1f}" y1="{y1}" x2="{x:.1f}" y2="{y1 + 4}"/>'
            f'<text class="tick" x="{x:.1f}" y="{y1 + f + 3}" text-anchor="middle">'
            f"{t:g} s</text>"
        )
    rows_top = y1 + f + 10
    words = (feedback.get("words") if feedback else None) or []
    for word, start, x, row in _word_rows(
        [w for w in words if w.get("status") != "inserted"], sx, layout
    ):
        y = rows_top + (row + 1) * (f + 5)
        status = escape(str(word.get("status", "")))
        parts.append(
            f'<line class="word-span" x1="{start:.1f}" y1="{y1}" x2="{start:.1f}" y2="{y0}"/>'
            f'<text class="word-label status-{status}" x="{x:.1f}" y="{y:.1f}" '
            f'text-anchor="middle">{escape(str(word.get("text", "")))}</text>'
        )
    for css, series in (("reference", ref), ("attempt", att)):
        for points in _segments(pitch.get("times") or [], series, sx, sy):
            parts.append(f'<polyline class="curve {css}" points="{points}"/>')
    parts.append("</svg>")
    return "".join(parts)
