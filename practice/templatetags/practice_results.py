"""Result rendering helpers: the pitch chart as inline SVG, score colours, tips, and the
per-word diagnosis (phones and the substitution) of version 2 feedback."""

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from practice import advice
from practice import pitch_chart as chart

if TYPE_CHECKING:  # the engine's types only: practice does not load the engine
    from analysis.engine.types import Bilingual, StoredFeedback, WordFeedback


register = template.Library()


@register.simple_tag
def pitch_chart(feedback: "StoredFeedback | None") -> str:
    """The actor's and the learner's pitch with a scale and every word: a wide drawing and
    a narrow one for phones (practice.css shows one)."""
    data: Mapping[str, Any] | None = feedback
    wide = chart.draw(data, chart.WIDE)
    if not wide:
        # Translated outside the f-strings: xgettext does not see calls inside them.
        empty = _("No pitch to show.")
        return mark_safe(f'<p class="chart-empty">{escape(empty)}</p>')  # noqa: S308
    # draw() escapes every text it puts in the markup.
    return mark_safe(wide + chart.draw(data, chart.NARROW))  # noqa: S308


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


@register.filter
def to_json(value: Any) -> str:
    """JSON for a data attribute (the template's autoescaping quotes it)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@register.filter
def listen_index(
    word_index: Any, transcript: list[tuple[Mapping[str, Any], int | None]]
) -> int | None:
    """The player's place (`data-word`) of the line's word `word_index` (a tip's `word`)."""
    if not isinstance(word_index, int):
        return None
    return next(
        (i for word, i in transcript if i is not None and word.get("index") == word_index), None
    )


@register.filter
def tip_word_text(tip: Mapping[str, Any], feedback: Mapping[str, Any]) -> str:
    index = tip.get("word")
    for word in feedback.get("words") or []:
        if word.get("index") == index:
            return str(word.get("text", ""))
    return ""


@register.simple_tag
def failure_advice(code: str | None) -> advice.Advice:
    return advice.failure_advice(code)


@register.filter
def actor_spans(words: list[Mapping[str, Any]]) -> list[tuple[int, Mapping[str, Any]]]:
    """The player's words that have a span in the actor's clip, with their place: what
    the A–B loop can run between."""
    return [(i, word) for i, word in enumerate(words or []) if word.get("ref")]


@register.filter
def key_name(song: Mapping[str, Any], language: str) -> str:
    """A song's key in the interface language: "가단조" for Korean, "A minor" otherwise."""
    if (language or "")[:2] == "ko" and song.get("key_ko"):
        return str(song["key_ko"])
    return str(song.get("key") or "")
