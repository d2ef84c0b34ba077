"""detailed_feedback: what the result page and the mobile app draw, plus tips.

Tips come only from measured weak points, in English and Korean. Each candidate tip
carries a severity (how much score that weakness costs), and the three worst, from
different dimensions where possible, are kept.
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
from .types import (
    FEEDBACK_VERSION,
    DetailedFeedback,
    PhoneFeedback,
    PronunciationInfo,
    Tip,
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


def _quote(text: str) -> str:
    return f"'{text.strip(',.;:!')}'"


def _phones(ws: WordScore) -> list[PhoneFeedback]:
    return [
        {"phone": p.phone, "score": p.score, "status": p.status, "heard": p.heard}
        for p in ws.phones
    ]


def _words(
    ref: RecordingAnalysis, att: RecordingAnalysis, pron: PronunciationResult
) -> list[WordFeedback]:
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


def _tips(
    ref: RecordingAnalysis,
    pron: PronunciationResult,
    inton: IntonationResult,
    timing: TimingResult,
    emotion: EmotionResult,
    kind: str,
) -> list[Tip]:
    candidates: list[tuple[float, str, str, str]] = []  # severity, dimension, en, ko
    omitted = [w.text for w in pron.words if w.status == "omitted"]
    if omitted:
        names = ", ".join(_quote(t) for t in omitted[:3])
        candidates.append(
            (
                0.5 + 0.1 * len(omitted),
                "pronunciation",
                f"You left out {names}. Say every word of the line.",
                f"{names}을(를) 빠뜨렸어요. 대사의 모든 단어를 말해 보세요.",
            )
        )
    if pron.insertions:
        t = pron.insertions[0][0]
        candidates.append(
            (
                0.4,
                "pronunciation",
                f"You added words that are not in the line (around {t:.1f} s).",
                f"대사에 없는 말을 덧붙였어요({t:.1f}초 부근).",
            )
        )
    weak = sorted(
        (w for w in pron.words if w.status == "mispronounced"), key=lambda w: w.score or 0.0
    )
    if weak:
        w = weak[0]
        issue = diagnose(w)
        word = _quote(w.text)
        if issue is not None:
            how = issue["tip"] or {
                "en": "Listen to the actor and repeat it slowly.",
                "ko": "배우의 발음을 듣고 천천히 따라 해 보세요.",
            }
            en, ko = f"{issue['en']}. {how['en']}", f"{issue['ko']}. {how['ko']}"
        else:
            en = f"Work on {word}: listen to the actor and repeat it slowly."
            ko = f"{word} 발음을 연습하세요: 배우의 발음을 듣고 천천히 따라 해 보세요."
        candidates.append(((100 - (w.score or 0.0)) / 100, "pronunciation", en, ko))
    if abs(timing.onset_offset) >= 0.2:
        late = timing.onset_offset > 0
        s = abs(timing.onset_offset)
        candidates.append(
            (
                min(1.0, s),
                "timing",
                f"You started {s:.1f} s {'late' if late else 'early'}.",
                f"{s:.1f}초 {'늦게' if late else '일찍'} 시작했어요.",
            )
        )
    if abs(np.log(timing.duration_ratio)) >= np.log(1.15):
        slow = timing.duration_ratio > 1
        pct = abs(timing.duration_ratio - 1) * 100
        candidates.append(
            (
                min(1.0, abs(np.log(timing.duration_ratio)) * 2),
                "timing",
                f"You spoke {pct:.0f}% {'slower' if slow else 'faster'} than the actor; "
                f"match the original's pace.",
                f"배우보다 {pct:.0f}% {'느리게' if slow else '빠르게'} 말했어요. "
                "원래 속도에 맞춰 보세요.",
            )
        )
    candidates += _intonation_tips(ref, inton, kind)
    ra, aa = emotion.reference, emotion.attempt
    if emotion.components["pitch_range"] < 0.6:
        more = aa["pitch_range"] < ra["pitch_range"]
        candidates.append(
            (
                (1 - emotion.components["pitch_range"]) * 0.6,
                "emotion",
                "Put more feeling into it: let your voice go higher and lower like the actor's."
                if more
                else "Your voice swings more than the actor's; keep it calmer.",
                "감정을 더 실어 보세요: 배우처럼 목소리를 더 높고 낮게 움직여 보세요."
                if more
                else "배우보다 억양 변화가 커요. 조금 더 차분하게 말해 보세요.",
            )
        )
    if emotion.components["loudness_dynamics"] < 0.6:
        more = aa["loudness_dynamics"] < ra["loudness_dynamics"]
        candidates.append(
            (
                (1 - emotion.components["loudness_dynamics"]) * 0.5,
                "emotion",
                "Stress the key words more: the actor's loudness varies more than yours."
                if more
                else "Keep your volume steadier, as the actor does.",
                "핵심 단어를 더 강조해 보세요: 배우의 목소리 크기 변화가 더 커요."
                if more
                else "배우처럼 목소리 크기를 더 일정하게 유지해 보세요.",
            )
        )
    candidates.sort(key=lambda c: -c[0])
    chosen: list[tuple[float, str, str, str]] = []
    for c in candidates:  # one tip per dimension first, then fill up
        if c[1] not in {x[1] for x in chosen}:
            chosen.append(c)
    for c in candidates:
        if len(chosen) >= 3:
            break
        if c not in chosen:
            chosen.append(c)
    return [{"dimension": d, "en": en, "ko": ko} for _, d, en, ko in chosen[:3]]


def _intonation_tips(
    ref: RecordingAnalysis, inton: IntonationResult, kind: str
) -> list[tuple[float, str, str, str]]:
    # A melody tip about a 50 ms function word is not actionable: only words with at
    # least 0.1 s of voiced reference speech qualify.
    segs = [s for s in inton.segments if s.get("error") is not None and s["voiced_frames"] >= 10]
    if not segs:
        return []
    worst = max(segs, key=lambda s: s["error"])
    limit = 1.5 if kind == "song" else 2.0
    if worst["error"] < limit:
        return []
    word = _quote(worst["text"])
    severity = min(1.0, worst["error"] / 6)
    if kind == "song":
        return [
            (
                severity,
                "intonation",
                f"You were off the note on {word}; listen and sing it again.",
                f"{word}에서 음이 맞지 않았어요. 듣고 다시 불러 보세요.",
            )
        ]
    m = (inton.ref_times >= worst["start"]) & (inton.ref_times < worst["end"])
    r, a = inton.ref_curve[m], inton.att_curve[m]
    ok_r, ok_a = r[np.isfinite(r)], a[np.isfinite(a)]
    if len(ok_r) >= 4 and len(ok_a) >= 4:
        half_r, half_a = len(ok_r) // 2, len(ok_a) // 2
        ref_rise = ok_r[half_r:].mean() - ok_r[:half_r].mean()
        att_rise = ok_a[half_a:].mean() - ok_a[:half_a].mean()
        if ref_rise > 1 and att_rise < 0:
            return [
                (
                    severity,
                    "intonation",
                    f"Your pitch falls at the end of {word} where the actor's rises.",
                    f"{word}의 끝에서 배우는 음이 올라가는데 당신은 내려가요.",
                )
            ]
        if ref_rise < -1 and att_rise > 0:
            return [
                (
                    severity,
                    "intonation",
                    f"Your pitch rises at the end of {word} where the actor's falls.",
                    f"{word}의 끝에서 배우는 음이 내려가는데 당신은 올라가요.",
                )
            ]
    return [
        (
            severity,
            "intonation",
            f"Your melody on {word} differs from the actor's; copy how the pitch moves.",
            f"{word}의 억양이 배우와 달라요. 음높이가 움직이는 모양을 따라 해 보세요.",
        )
    ]


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
) -> DetailedFeedback:
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
        "words": _words(ref, att, pron),
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
        "tips": _tips(ref, pron, inton, timing, emotion, kind),
        "warnings": warnings,
    }
