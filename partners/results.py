"""The body of a partner job, as GET /api/v1/jobs/{job_id}, a synchronous assess and the
callback all send it. Its scores and feedback are a learner attempt's (same names as
/api/tokens/analysis-result/); `tips` are in the requested language and `comparisons`
says what the take was compared with and what could not be compared."""

from typing import Any, Literal, NotRequired, TypedDict

from django.urls import reverse

from partners.models import PartnerJob, Reference


class Bilingual(TypedDict):
    en: str
    ko: str


class PartnerTip(TypedDict):
    dimension: str
    text: str
    word: NotRequired[int]


class Comparison(TypedDict):
    dimension: str
    against: str


class Missing(TypedDict):
    dimension: str
    reason: str


class Comparisons(TypedDict):
    reference: str
    compared: list[Comparison]
    not_compared: list[Missing]


class JobResult(TypedDict):
    job_id: str
    status: str
    status_url: str
    line_id: int | None
    text: str
    language: str
    audio_seconds: float
    synchronous: bool
    pronunciation_score: float | None
    intonation_score: float | None
    timing_score: float | None
    emotion_score: float | None
    overall_score: float | None
    comparisons: Comparisons
    tips: list[PartnerTip]
    feedback_language: str
    detailed_feedback: dict[str, Any] | None
    error: str
    error_code: str
    created_at: str
    finished_at: str | None


# What each reference lets us compare, in both feedback languages.
_AGAINST: dict[str, dict[str, Bilingual]] = {
    Reference.ACTOR: {
        "pronunciation": {
            "en": "each phone against the actor's rendering of it",
            "ko": "각 음소를 배우의 발음과 비교",
        },
        "intonation": {"en": "the actor's melody", "ko": "배우의 억양"},
        "timing": {
            "en": "the actor's clip: start on its clock, length, word timing and pauses",
            "ko": "배우 클립 기준: 시작 시점, 길이, 단어 타이밍, 쉼",
        },
        "emotion": {
            "en": "the actor's expressiveness (pitch range, loudness dynamics)",
            "ko": "배우의 표현력(음높이 폭, 크기 변화)",
        },
    },
    Reference.RECORDING: {
        "pronunciation": {
            "en": "each phone against the reference recording's rendering of it",
            "ko": "각 음소를 기준 녹음의 발음과 비교",
        },
        "intonation": {"en": "the reference recording's melody", "ko": "기준 녹음의 억양"},
        "timing": {
            "en": "the reference recording's pacing: length, word timing and pauses",
            "ko": "기준 녹음의 속도: 길이, 단어 타이밍, 쉼",
        },
        "emotion": {
            "en": "the reference recording's expressiveness",
            "ko": "기준 녹음의 표현력",
        },
    },
    Reference.SYNTHETIC: {
        "pronunciation": {
            "en": "each phone of the dictionary pronunciation, against a synthetic voice's "
            "rendering of it",
            "ko": "사전 발음의 각 음소를 합성 음성의 발음과 비교",
        },
        "intonation": {
            "en": "a synthetic voice's melody, which follows the words' dictionary stress; "
            "one natural reading, not the only right one",
            "ko": "사전 강세를 따르는 합성 음성의 억양(자연스러운 읽기 중 하나일 뿐 정답은 아님)",
        },
        "timing": {
            "en": "natural pacing as a synthetic voice reads the text: length, word timing "
            "and pauses",
            "ko": "합성 음성이 읽는 자연스러운 속도: 길이, 단어 타이밍, 쉼",
        },
    },
}

_MISSING: dict[str, list[tuple[str, Bilingual]]] = {
    Reference.ACTOR: [],
    Reference.RECORDING: [
        (
            "onset",
            {
                "en": "The start is not compared: the reference was not recorded on the "
                "take's clock.",
                "ko": "시작 시점은 비교하지 않았어요. 기준 녹음이 같은 시간축에서 녹음되지 "
                "않았어요.",
            },
        )
    ],
    Reference.SYNTHETIC: [
        (
            "emotion",
            {
                "en": "Not scored: there is no recording of the line, and a synthetic voice "
                "has no intended feeling to match. Send reference_audio to score it. The "
                "overall score is over the other dimensions.",
                "ko": "채점하지 않았어요. 이 대사의 녹음이 없고 합성 음성에는 따라 할 감정이 "
                "없어요. reference_audio를 보내면 채점해요. 종합 점수는 나머지 항목으로 "
                "계산했어요.",
            },
        ),
        (
            "onset",
            {
                "en": "The start is not compared: there is no clip to start with.",
                "ko": "시작 시점은 비교하지 않았어요. 맞춰 시작할 클립이 없어요.",
            },
        ),
    ],
}


def _lang(language: str) -> Literal["en", "ko"]:
    return "ko" if language == "ko" else "en"


def comparisons_for(reference: str, language: str, *, pronunciation_assessed: bool) -> Comparisons:
    lang = _lang(language)
    compared = [
        Comparison(dimension=dimension, against=text[lang])
        for dimension, text in _AGAINST[reference].items()
        if dimension != "pronunciation" or pronunciation_assessed
    ]
    missing = [Missing(dimension=d, reason=reason[lang]) for d, reason in _MISSING[reference]]
    if not pronunciation_assessed:
        missing.insert(
            0,
            Missing(
                dimension="pronunciation",
                reason={
                    "en": "Not scored: there is no phone model for this language.",
                    "ko": "채점하지 않았어요. 이 언어의 발음 모델이 없어요.",
                }[lang],
            ),
        )
    return {"reference": reference, "compared": compared, "not_compared": missing}


def _tips(feedback: dict[str, Any] | None, language: str) -> list[PartnerTip]:
    lang = _lang(language)
    tips: list[PartnerTip] = []
    for tip in (feedback or {}).get("tips") or []:
        if not isinstance(tip, dict):
            continue
        out: PartnerTip = {"dimension": str(tip.get("dimension", "")), "text": tip.get(lang, "")}
        if isinstance(tip.get("word"), int):
            out["word"] = tip["word"]
        tips.append(out)
    return tips


def job_result(job: PartnerJob, *, synchronous: bool = False) -> JobResult:
    feedback = job.detailed_feedback
    pronunciation = (feedback or {}).get("pronunciation") or {}
    assessed = pronunciation.get("assessed", True) is not False
    return {
        "job_id": str(job.job_id),
        "status": job.status,
        "status_url": reverse("partners-api:job", args=[job.job_id]),
        "line_id": job.line_id,
        "text": job.text,
        "language": job.language,
        "audio_seconds": job.audio_seconds,
        "synchronous": synchronous,
        "pronunciation_score": job.pronunciation,
        "intonation_score": job.intonation,
        "timing_score": job.timing,
        "emotion_score": job.emotion,
        "overall_score": job.overall,
        "comparisons": comparisons_for(
            job.reference, job.feedback_language, pronunciation_assessed=assessed
        ),
        "tips": _tips(feedback, job.feedback_language),
        "feedback_language": job.feedback_language,
        "detailed_feedback": feedback,
        "error": job.error_message,
        "error_code": job.error_code,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
