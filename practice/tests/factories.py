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
    "diagnosed_feedback",
    "feedback_for",
    "not_assessed_feedback",
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


DIAGNOSED_LINE = "The rain in Spain"
R_TIP = {
    "en": "Round your lips a little and keep the tongue tip off the roof of your mouth.",
    "ko": "입술을 살짝 둥글게 하고 혀끝이 입천장에 닿지 않게 하세요.",
}


def diagnosed_feedback() -> dict:
    """Version 2 feedback for a take of DIAGNOSED_LINE, shaped like the engine's
    (analysis/engine/types.py): 'rain' with /l/ for /ɹ/, 'in' left out, an extra sound,
    'Spain' with a vowel added."""

    def word(index, text, score, status, phones, issue=None):
        start = None if status == "omitted" else round(0.45 * index, 3)
        return {
            "index": index,
            "text": text,
            "start": start,
            "end": None if start is None else start + 0.35,
            "ref_start": round(0.45 * index, 3),
            "ref_end": round(0.45 * index + 0.35, 3),
            "score": score,
            "status": status,
            "phone_scores": [
                {"phone": p, "score": s, "status": st, "heard": h} for p, s, st, h in phones
            ],
            "issue": issue,
        }

    words = [
        word(0, "The", 93.0, "ok", [("ð", 90.0, "ok", None), ("ə", 96.0, "ok", None)]),
        word(
            1,
            "rain",
            42.0,
            "mispronounced",
            [("ɹ", 18.0, "mispronounced", "l"), ("eɪ", 84.0, "ok", None), ("n", 91.0, "ok", None)],
            {
                "kind": "substitution",
                "expected": "ɹ",
                "heard": "l",
                "en": "/l/ instead of /ɹ/ in 'rain'",
                "ko": "'rain'에서 /ɹ/ 대신 /l/로 발음했어요",
                "tip": R_TIP,
            },
        ),
        word(2, "in", 0.0, "omitted", [("ɪ", None, "missing", None), ("n", None, "missing", None)]),
        {
            "index": None,
            "text": "",
            "start": 1.2,
            "end": 1.4,
            "ref_start": None,
            "ref_end": None,
            "score": None,
            "status": "inserted",
            "phones": ["AH"],
        },
        word(
            3,
            "Spain.",
            66.0,
            "mispronounced",
            [
                ("s", 71.0, "ok", None),
                ("p", 58.0, "mispronounced", "pʰ"),
                ("eɪ", 88.0, "ok", None),
                ("n", 90.0, "ok", None),
            ],
            {
                "kind": "epenthesis",
                "expected": "s",
                "heard": None,
                "en": "A vowel added after /s/ in 'Spain'",
                "ko": "'Spain'에서 /s/ 뒤에 모음을 넣었어요",
                "tip": None,
            },
        ),
    ]
    return {
        "version": 2,
        "kind": "movie",
        "language": "en",
        "pronunciation": {"assessed": True, "reason": None, "model": "test-phonemes"},
        "words": words,
        "phones": {},
        "pitch": {"unit": "semitones", "times": [], "reference": [], "attempt": []},
        "timing": {"onset_offset": 0.1, "duration_ratio": 1.05, "pause_difference": 0.0},
        "tips": [
            {
                "dimension": "pronunciation",
                "en": "Work on /ɹ/: it is not /l/.",
                "ko": "/ɹ/ 발음을 연습하세요. /l/과 달라요.",
            }
        ],
        "warnings": [],
    }


NOT_ASSESSED_REASON = {
    "en": "Pronunciation is not scored for Korean lines yet: there is no phone model for "
    "this language. The overall score uses intonation, timing and emotion.",
    "ko": "한국어 대사는 아직 발음 점수를 매기지 않아요. 이 언어의 발음 모델이 없어서 "
    "종합 점수는 억양, 타이밍, 감정으로 계산했어요.",
}


def not_assessed_feedback(text: str) -> dict:
    """Version 2 feedback for a line whose language has no phone model."""
    words = [
        {
            "index": index,
            "text": raw,
            "start": round(0.4 * index, 3),
            "end": round(0.4 * index + 0.3, 3),
            "ref_start": round(0.4 * index, 3),
            "ref_end": round(0.4 * index + 0.3, 3),
            "score": None,
            "status": "not_assessed",
            "phone_scores": [],
            "issue": None,
        }
        for index, raw in enumerate(text.split())
    ]
    return {
        "version": 2,
        "kind": "drama",
        "language": "ko",
        "pronunciation": {"assessed": False, "reason": NOT_ASSESSED_REASON, "model": None},
        "words": words,
        "phones": {},
        "pitch": {"unit": "semitones", "times": [], "reference": [], "attempt": []},
        "timing": {"onset_offset": 0.0, "duration_ratio": 1.0, "pause_difference": 0.0},
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
