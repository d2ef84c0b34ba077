"""What the pages' players need to cut any word out of the actor's clip, the learner's
take and the guide voice: one list of words with each clip's span, from the timings the
engine stored (`detailed_feedback.words`, `Line.reference_analysis`) and the guide's own.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any, NotRequired, TypedDict

Span = tuple[float, float]


class ListenWord(TypedDict):
    text: str
    ref: Span | None  # seconds in the actor's clip
    take: NotRequired[Span | None]  # seconds in the learner's take
    guide: NotRequired[Span | None]  # seconds in the guide voice, normal speed
    guide_slow: NotRequired[Span | None]  # and slow


def _span(start: Any, end: Any) -> Span | None:
    if not isinstance(start, int | float) or not isinstance(end, int | float) or end <= start:
        return None
    return (round(float(start), 3), round(float(end), 3))


def _norm(text: str) -> str:
    return re.sub(r"[^\w']", "", text.casefold())


def _guide_spans(words: list[ListenWord], guide: Mapping[str, Any] | None) -> None:
    """Each word's span in the guide's readings, matched by text in order (the guide's
    tokens may split or drop punctuation differently)."""
    if not guide:
        return
    spans = [w for w in guide.get("words") or [] if isinstance(w, Mapping)]
    at = 0
    for word in words:
        target = _norm(word["text"])
        for j in range(at, min(at + 3, len(spans))):  # a little slack, never backwards
            if _norm(str(spans[j].get("text", ""))) == target:
                # The slow reading is timed by the voice itself (pauses stretch more than
                # sounds), so each word has its own span in it.
                word["guide"] = _span(spans[j].get("start"), spans[j].get("end"))
                word["guide_slow"] = _span(spans[j].get("slow_start"), spans[j].get("slow_end"))
                at = j + 1
                break


def line_words(
    reference_words: Iterable[Mapping[str, Any]], guide: Mapping[str, Any] | None = None
) -> list[ListenWord]:
    """The practice page: the actor's words (and the guide's)."""
    words: list[ListenWord] = [
        {"text": str(w.get("text", "")), "ref": _span(w.get("start"), w.get("end"))}
        for w in reference_words
    ]
    _guide_spans(words, guide)
    return words


def result_words(
    feedback_words: Iterable[Mapping[str, Any]] | None, guide: Mapping[str, Any] | None = None
) -> list[ListenWord]:
    """The result page: the line's words in order, inserted sounds left out (they have no
    place in the actor's clip); position i is the transcript's `data-word="i"`."""
    words: list[ListenWord] = [
        {
            "text": str(w.get("text", "")),
            "ref": _span(w.get("ref_start"), w.get("ref_end")),
            "take": _span(w.get("start"), w.get("end")),
        }
        for w in feedback_words or []
        if w.get("status") != "inserted"
    ]
    _guide_spans(words, guide)
    return words
