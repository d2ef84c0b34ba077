"""Factories for the practice side: scored attempts with feedback shaped like the engine's
(analysis/engine/feedback.py), practice sessions and bookmarks."""

import factory
from django.utils import timezone

from practice.learner_stats import learner_stats_refresh
from practice.models import Attempt, AttemptStatus, Bookmark, PracticeSession
from scripts.tests import factories as catalogue
from scripts.tests.factories import ScriptFactory, UserFactory

__all__ = [
    "AttemptFactory",
    "BookmarkFactory",
    "LineFactory",
    "PracticeSessionFactory",
    "ScriptFactory",
    "UserFactory",
    "feedback_for",
]

MISPRONOUNCED_BELOW = 60.0  # the engine's threshold (analysis/engine/pronunciation.py)


class LineFactory(catalogue.LineFactory):
    """A visible line whose reference clip is only named, not written: pages that list
    many lines don't need the audio itself."""

    reference_audio = "lines/test/clip.flac"


def feedback_for(
    text: str,
    *,
    scores: dict[str, float] | None = None,
    omitted: tuple[str, ...] = (),
    phones: dict[str, list[tuple[str, float]]] | None = None,
) -> dict:
    """detailed_feedback for a take of `text`: every word 92 unless `scores` says
    otherwise; `omitted` words left out; `phones` gives per-phone scores of weak words."""
    scores = {k.lower(): v for k, v in (scores or {}).items()}
    phones = {k.lower(): v for k, v in (phones or {}).items()}
    words, weak_phones = [], {}
    for index, raw in enumerate(text.split()):
        key = raw.strip(",.!?;:").lower()
        if key in omitted:
            score, status, start = 0.0, "omitted", None
        else:
            score = scores.get(key, 92.0)
            status = "mispronounced" if score < MISPRONOUNCED_BELOW else "ok"
            start = round(0.4 * index, 3)
        words.append(
            {
                "index": index,
                "text": raw,
                "start": start,
                "end": None if start is None else start + 0.3,
                "ref_start": round(0.4 * index, 3),
                "ref_end": round(0.4 * index + 0.3, 3),
                "score": score,
                "status": status,
            }
        )
        if key in phones and status != "omitted":
            weak_phones[str(index)] = [{"phone": p, "score": s} for p, s in phones[key]]
    return {
        "version": 1,
        "kind": "movie",
        "words": words,
        "phones": weak_phones,
        "pitch": {"unit": "semitones", "times": [], "reference": [], "attempt": []},
        "tips": [],
        "warnings": [],
    }


class PracticeSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeSession

    user = factory.SubFactory(UserFactory)
    script = factory.SubFactory(ScriptFactory)
    started_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyAttribute(lambda s: s.started_at)


class AttemptFactory(factory.django.DjangoModelFactory):
    """A completed attempt. Pass `created_at=` to place it in time (the model stamps it
    on insert, so the factory writes it afterwards)."""

    class Meta:
        model = Attempt

    user = factory.SubFactory(UserFactory)
    line = factory.SubFactory(LineFactory)
    session = None
    recording = factory.Sequence(lambda n: f"attempts/test/take-{n}.webm")
    content_type = "audio/webm"
    size_bytes = 24_000
    duration = 3.0
    status = AttemptStatus.COMPLETED
    stage = "done"
    progress = 100
    overall = 75.0
    pronunciation = factory.LazyAttribute(lambda a: a.overall)
    intonation = factory.LazyAttribute(lambda a: a.overall)
    timing = factory.LazyAttribute(lambda a: a.overall)
    emotion = factory.LazyAttribute(lambda a: a.overall)
    detailed_feedback = factory.LazyAttribute(lambda a: feedback_for(a.line.text))

    class Params:
        pending = factory.Trait(
            status=AttemptStatus.QUEUED,
            stage="",
            progress=0,
            overall=None,
            pronunciation=None,
            intonation=None,
            timing=None,
            emotion=None,
            detailed_feedback=None,
        )
        failed = factory.Trait(
            status=AttemptStatus.FAILED,
            overall=None,
            pronunciation=None,
            intonation=None,
            timing=None,
            emotion=None,
            detailed_feedback=None,
            error_code="undecodable",
            error_message="We could not read this recording.",
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        created_at = kwargs.pop("created_at", None)
        attempt = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            model_class.objects.filter(pk=attempt.pk).update(created_at=created_at)
            attempt.created_at = created_at
        learner_stats_refresh(attempt=attempt)  # what the services do on every change
        return attempt


class BookmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bookmark

    user = factory.SubFactory(UserFactory)
    line = factory.SubFactory(LineFactory)
