"""detailed_feedback: what the result page and the mobile app draw, plus tips.

Tips come only from measured weak points, in English and Korean (``tips.py``).
"""

from __future__ import annotations

import numpy as np

from .diagnosis import diagnose
from .emotion import EmotionResult
from .intonation import IntonationResult
from .phonemes import MODEL_NAME
from .pronunciation import PronunciationResult, WordScore
from .recording import RecordingAnalysis
from .timing import TimingResult
from .tips import choose_tips
from .types import (
    FEEDBACK_VERSION,
    DetailedFeedback,
    PhoneFeedback,
    PronunciationInfo,
    WeakPhone,
    WordFeedback,
)

MAX_POINTS = 200
WEAK_WORD_BELOW = 80.0


def downsample(values: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, int]:
    """Block means (ignoring NaN) so a plot keeps its shape with <= max_points points."""
    step = max(1, int(np.ceil(len(values) / max_points)))
    n = int(np.ceil(len(values) / step))
    padded = np.full(n * step, np.nan)
    padded[: len(values)] = values
    blocks = padded.reshape(n, step)
    with np.errstate(all="ignore"):
        counts = np.isfinite(blocks).sum(axis=1)
        sums = np.nansum(blocks, axis=1)
        out = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return out, step


LANGUAGE_NAMES = {
    "en": ("English", "영어"),
    "ko": ("Korean", "한국어"),
    "ja": ("Japanese", "일본어"),
}


def pronunciation_info(pron: PronunciationResult) -> PronunciationInfo:
    if pron.score is not None:
        return {"assessed": True, "reason": None, "model": MODEL_NAME}
    en, ko = LANGUAGE_NAMES.get(pron.language, (pron.language, pron.language))
    return {
        "assessed": False,
        "reason": {
            "en": f"Pronunciation is not scored for {en} lines yet: there is no phone model "
            "for this language. The overall score uses intonation, timing and emotion.",
            "ko": f"{ko} 대사는 아직 발음 점수를 매기지 않아요. 이 언어의 발음 모델이 없어서 "
            "종합 점수는 억양, 타이밍, 감정으로 계산했어요.",
        },
        "model": None,
    }


def _json_list(values: np.ndarray, digits: int = 2) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values]


def _phones(ws: WordScore) -> list[PhoneFeedback]:
    return [
        {"phone": p.phone, "score": p.score, "status": p.status, "heard": p.heard}
        for p in ws.phones
    ]


def _words(
    ref: RecordingAnalysis,
    att: RecordingAnalysis,
    pron: PronunciationResult,
    pitch_offsets: dict[int, float | None] | None = None,
) -> list[WordFeedback]:
    """``pitch_offsets`` (songs): each word's pitch offset in semitones, by word index."""
    ref_by_index = {w.index: w for w in ref.alignment.words}
    att_by_index = {w.index: w for w in att.alignment.words}
    phone_words = {w.index: w for w in att.phones.words} if att.phones is not None else {}
    out: list[WordFeedback] = []
    for ws in pron.words:
        rw = ref_by_index.get(ws.index)
        aw = att_by_index.get(ws.index)
        present = aw is not None and aw.present
        start, end = (aw.start, aw.end) if aw is not None and present else (None, None)
        pw = phone_words.get(ws.index)
        heard = ws.status in ("ok", "mispronounced")
        if start is None and heard and pw is not None and pw.end > pw.start:
            # The word aligner missed a word the phone model hears: its coarser timing.
            start, end = pw.start, pw.end
        out.append(
            {
                "index": ws.index,
                "text": ws.text,
                "start": None if start is None else round(start, 3),
                "end": None if end is None else round(end, 3),
                "ref_start": round(rw.start, 3) if rw and rw.present else None,
                "ref_end": round(rw.end, 3) if rw and rw.present else None,
                "score": None if ws.score is None else round(ws.score, 1),
                "status": ws.status,
                "phone_scores": _phones(ws),
                "issue": diagnose(ws),
            }
        )
        if pitch_offsets is not None:
            out[-1]["pitch_offset"] = pitch_offsets.get(ws.index)
    for istart, iend, phones in pron.insertions:
        out.append(
            {
                "index": None,
                "text": "",
                "start": round(istart, 3),
                "end": round(iend, 3),
                "ref_start": None,
                "ref_end": None,
                "score": None,
                "status": "inserted",
                "phones": phones,
            }
        )
    # Reading order: expected words by position, each insertion before the first
    # spoken word that follows it.
    expected = [w for w in out if w["status"] != "inserted"]
    for ins in (w for w in out if w["status"] == "inserted"):
        at = next(
            (
                i
                for i, w in enumerate(expected)
                if (ws_start := w["start"]) is not None
                and (ins_end := ins["end"]) is not None
                and ws_start >= ins_end
            ),
            len(expected),
        )
        expected.insert(at, ins)
    return expected


def _pitch_offsets(inton: IntonationResult) -> dict[int, float | None]:
    return {s["index"]: s.get("offset") for s in inton.segments}


def build_feedback(
    ref: RecordingAnalysis,
    att: RecordingAnalysis,
    kind: str,
    pron: PronunciationResult,
    inton: IntonationResult,
    timing: TimingResult,
    emotion: EmotionResult,
    anchors: tuple[np.ndarray, np.ndarray],
    warnings: list[str],
    reference: str = "actor",
    emotion_compared: bool = True,
) -> DetailedFeedback:
    """``reference``: what the take was compared with (tips.REFERENCE_NAMES);
    ``emotion_compared`` False: no tip about expressiveness (the features are still
    reported)."""
    ref_curve, step = downsample(inton.ref_curve)
    att_curve, _ = downsample(inton.att_curve)
    times = inton.ref_times[::step][: len(ref_curve)]
    # Loudness on the same common clock: the attempt's frames are looked up through
    # the time map, so both curves line up word for word.
    ref_db = ref.loudness_db
    lt = np.arange(len(ref_db)) * 0.01
    att_idx = np.clip(
        np.round(np.interp(lt, *anchors) / 0.01).astype(int), 0, len(att.loudness_db) - 1
    )
    ref_l, lstep = downsample(ref_db.astype(float))
    att_l, _ = downsample(att.loudness_db[att_idx].astype(float))
    weak: dict[str, list[WeakPhone]] = {
        str(w.index): [{"phone": p, "score": round(s, 1)} for p, s in w.phone_scores]
        for w in pron.words
        if w.score is not None and w.score < WEAK_WORD_BELOW and w.phone_scores
    }
    return {
        "version": FEEDBACK_VERSION,
        "kind": kind,
        "language": pron.language,
        "pronunciation": pronunciation_info(pron),
        "words": _words(ref, att, pron, _pitch_offsets(inton) if kind == "song" else None),
        "phones": weak,
        "pitch": {
            "unit": "midi" if kind == "song" else "semitones",
            "times": _json_list(times, 3),
            "reference": _json_list(ref_curve),
            "attempt": _json_list(att_curve),
            "correlation": None if inton.correlation is None else round(inton.correlation, 3),
            "rms_semitones": None if inton.rms_semitones is None else round(inton.rms_semitones, 2),
            "coverage": round(inton.coverage, 3),
            "segments": inton.segments,
        },
        "loudness": {
            "unit": "dBFS",
            "times": _json_list(lt[::lstep][: len(ref_l)], 3),
            "reference": _json_list(ref_l, 1),
            "attempt": _json_list(att_l, 1),
        },
        "timing": {
            "onset_offset": timing.onset_offset,
            "duration_ratio": timing.duration_ratio,
            "pause_difference": timing.pause_difference,
            "words": timing.word_offsets,
            "components": timing.components,
        },
        "emotion": {
            "reference": emotion.reference,
            "attempt": emotion.attempt,
            "components": emotion.components,
        },
        "tips": choose_tips(
            ref, pron, inton, timing, emotion if emotion_compared else None, kind, reference
        ),
        "warnings": warnings,
    }
