"""Result rendering helpers: the pitch chart as inline SVG, score colours, tips, and the
per-word diagnosis (phones and the substitution) of version 2 feedback."""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

if TYPE_CHECKING:  # the engine's types only: practice does not load the engine
    from analysis.engine.types import Bilingual, StoredFeedback, WordFeedback

register = template.Library()

WIDTH, HEIGHT, PAD_X, PAD_TOP, PAD_BOTTOM = 640, 220, 36, 12, 34


def _segments(
    times: list[float | None],
    values: list[float | None],
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


@register.simple_tag
def pitch_chart(feedback: "StoredFeedback | None") -> str:
    """Reference and learner pitch on the reference's clock, with the words underneath."""
    # Rows from before version 2 or from a remote server may lack any part.
    pitch: Mapping[str, Any] = (feedback.get("pitch") if feedback else None) or {}
    times = pitch.get("times") or []
    ref, att = pitch.get("reference") or [], pitch.get("attempt") or []
    values = [v for v in (*ref, *att) if v is not None]
    if len(times) < 2 or not values:
        # Translated outside the f-strings: xgettext does not see calls inside them.
        empty = _("No pitch to show.")
        return mark_safe(f'<p class="chart-empty">{escape(empty)}</p>')  # noqa: S308
    t0, t1 = times[0], times[-1] if times[-1] > times[0] else times[0] + 1
    lo, hi = min(values), max(values)
    if hi - lo < 4:
        mid = (hi + lo) / 2
        lo, hi = mid - 2, mid + 2

    def sx(t):
        return PAD_X + (t - t0) / (t1 - t0) * (WIDTH - 2 * PAD_X)

    def sy(v):
        return PAD_TOP + (hi - v) / (hi - lo) * (HEIGHT - PAD_TOP - PAD_BOTTOM)

    unit = _("semitones") if pitch.get("unit") == "semitones" else _("note (MIDI)")
    label = _("Pitch: the actor and you")
    parts = [
        f'<svg class="pitch-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<text class="axis" x="4" y="{PAD_TOP + 8}">{escape(unit)}</text>',
    ]
    baseline = HEIGHT - PAD_BOTTOM
    parts.append(
        f'<line class="axis-line" x1="{PAD_X}" y1="{baseline}" x2="{WIDTH - PAD_X}" '
        f'y2="{baseline}"/>'
    )
    words: list[WordFeedback] = (feedback.get("words") if feedback else None) or []
    for word in words:
        start = word.get("ref_start")
        if start is None or not (t0 <= start <= t1):
            continue
        x = sx(start)
        parts.append(
            f'<line class="word-tick" x1="{x:.1f}" y1="{PAD_TOP}" x2="{x:.1f}" y2="{baseline}"/>'
            f'<text class="word-label status-{escape(word.get("status", ""))}" x="{x + 2:.1f}" '
            f'y="{HEIGHT - 12}">{escape(word.get("text", ""))}</text>'
        )
    for css, series in (("reference", ref), ("attempt", att)):
        for points in _segments(times, series, sx, sy):
            parts.append(f'<polyline class="curve {css}" points="{points}"/>')
    parts.append("</svg>")
    # Every text that reaches the markup went through escape(); numbers are formatted.
    return mark_safe("".join(parts))  # noqa: S308


@register.filter
def score_band(score) -> str:
    """A CSS class for a 0-100 score: good, fair or weak."""
    if score is None or score == "":
        return "none"
    return "good" if score >= 80 else "fair" if score >= 60 else "weak"


@register.filter
def in_ui_language(text: "Bilingual | None") -> str:
    """A bilingual text ({"en", "ko"}: a tip, an issue, a reason) in the learner's
    interface language; English when there is none in it."""
    if not isinstance(text, dict):
        return ""
    lang = (get_language() or "en")[:2]
    return str(text.get(lang) or text.get("en") or "")


# Words the learner can open for their phones: expected words of version 2 feedback whose
# pronunciation was assessed. Inserted sounds and not-assessed words have no phones.
DIAGNOSED_STATUSES = {"ok", "mispronounced", "omitted"}


@register.filter
def has_diagnosis(word: "WordFeedback") -> bool:
    """Whether a feedback word carries phone scores (version 2) worth opening."""
    return (
        isinstance(word, dict)
        and word.get("status") in DIAGNOSED_STATUSES
        and "phone_scores" in word
    )


@register.filter
def any_diagnosis(words: "list[WordFeedback] | None") -> bool:
    """Whether any word of the feedback can be opened (none in version 1 feedback)."""
    return any(has_diagnosis(word) for word in words or [])


@register.filter
def signed_seconds(value) -> str:
    if not isinstance(value, int | float):  # None, or missing from the feedback ("")
        return "—"
    return f"{value:+.2f} s"


@register.filter
def percent_delta(ratio) -> str:
    if not ratio:
        return "—"
    return f"{(ratio - 1) * 100:+.0f}%"
