"""Tips: what to work on first, from the take's measured weak points.

Each candidate tip carries a severity (how much score that weakness costs, 0–1) and,
where it is about one word, that word's index, so the page can play the word. The three
worst, from different dimensions where possible, are kept; every tip is in English and
Korean.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .diagnosis import diagnose
from .emotion import EmotionResult
from .intonation import IntonationResult
from .pronunciation import PronunciationResult
from .recording import RecordingAnalysis
from .song import pitch_tips
from .timing import TimingResult
from .types import Tip


class Candidate(NamedTuple):
    """A possible tip: how much score its weakness costs (0–1), and the word it is
    about, if one (the page lets the learner play that word)."""

    severity: float
    dimension: str
    en: str
    ko: str
    word: int | None = None


def quote(text: str) -> str:
    return f"'{text.strip(',.;:!')}'"


# What the take was compared with, as the tips name it (English, Korean). The tips are
# written about "the actor"; another reference is named in its place. Both Korean names
# end in a consonant, so the topic particle after them is 은, not 는.
REFERENCE_NAMES = {
    "actor": ("the actor", "배우"),
    "recording": ("the reference recording", "기준 녹음"),
    "synthetic": ("the model voice", "예시 음성"),
}


def _reword(text: str, reference: str, language: str) -> str:
    if reference == "actor":
        return text
    en, ko = REFERENCE_NAMES[reference]
    if language == "en":
        return text.replace("the actor", en).replace("The actor", en[0].upper() + en[1:])
    return text.replace("배우는", f"{ko}은").replace("배우", ko)


def choose_tips(
    ref: RecordingAnalysis,
    pron: PronunciationResult,
    inton: IntonationResult,
    timing: TimingResult,
    emotion: EmotionResult | None,
    kind: str,
    reference: str = "actor",
) -> list[Tip]:
    """``emotion`` None: expressiveness was not compared (a synthetic reference), so no
    tip about it. ``reference`` names what the take was compared with (REFERENCE_NAMES)."""
    candidates: list[Candidate] = []
    omitted = [w for w in pron.words if w.status == "omitted"]
    if omitted:
        names = ", ".join(quote(w.text) for w in omitted[:3])
        candidates.append(
            Candidate(
                0.5 + 0.1 * len(omitted),
                "pronunciation",
                f"You left out {names}. Say every word of the line.",
                f"{names}을(를) 빠뜨렸어요. 대사의 모든 단어를 말해 보세요.",
                omitted[0].index,  # the first one left out: hear how the actor says it
            )
        )
    if pron.insertions:
        t = pron.insertions[0][0]
        candidates.append(
            Candidate(
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
        word = quote(w.text)
        if issue is not None:
            how = issue["tip"] or {
                "en": "Listen to the actor and repeat it slowly.",
                "ko": "배우의 발음을 듣고 천천히 따라 해 보세요.",
            }
            en, ko = f"{issue['en']}. {how['en']}", f"{issue['ko']}. {how['ko']}"
        else:
            en = f"Work on {word}: listen to the actor and repeat it slowly."
            ko = f"{word} 발음을 연습하세요: 배우의 발음을 듣고 천천히 따라 해 보세요."
        candidates.append(
            Candidate((100 - (w.score or 0.0)) / 100, "pronunciation", en, ko, w.index)
        )
    # No onset component: the take was not recorded on the reference's clock.
    if "onset" in timing.components and abs(timing.onset_offset) >= 0.2:
        late = timing.onset_offset > 0
        s = abs(timing.onset_offset)
        candidates.append(
            Candidate(
                min(1.0, s),
                "timing",
                f"You started {s:.1f} s {'late' if late else 'early'}.",
                f"{s:.1f}초 {'늦게' if late else '일찍'} 시작했어요.",
                pron.words[0].index if pron.words else None,  # the word to come in on
            )
        )
    if abs(np.log(timing.duration_ratio)) >= np.log(1.15):
        slow = timing.duration_ratio > 1
        pct = abs(timing.duration_ratio - 1) * 100
        candidates.append(
            Candidate(
                min(1.0, abs(np.log(timing.duration_ratio)) * 2),
                "timing",
                f"You spoke {pct:.0f}% {'slower' if slow else 'faster'} than the actor; "
                f"match the original's pace.",
                f"배우보다 {pct:.0f}% {'느리게' if slow else '빠르게'} 말했어요. "
                "원래 속도에 맞춰 보세요.",
            )
        )
    candidates += _intonation_tips(ref, inton, kind)
    if emotion is not None:
        candidates += _emotion_tips(emotion)
    candidates.sort(key=lambda c: -c.severity)
    chosen: list[Candidate] = []
    for c in candidates:  # one tip per dimension first, then fill up
        if c.dimension not in {x.dimension for x in chosen}:
            chosen.append(c)
    for c in candidates:
        if len(chosen) >= 3:
            break
        if c not in chosen:
            chosen.append(c)
    tips: list[Tip] = []
    for c in chosen[:3]:
        tip: Tip = {
            "dimension": c.dimension,
            "en": _reword(c.en, reference, "en"),
            "ko": _reword(c.ko, reference, "ko"),
        }
        if c.word is not None:
            tip["word"] = c.word
        tips.append(tip)
    return tips


def _emotion_tips(emotion: EmotionResult) -> list[Candidate]:
    candidates: list[Candidate] = []
    ra, aa = emotion.reference, emotion.attempt
    if emotion.components["pitch_range"] < 0.6:
        more = aa["pitch_range"] < ra["pitch_range"]
        candidates.append(
            Candidate(
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
            Candidate(
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
    return candidates


def _song_tips(segments: list[dict[str, Any]]) -> list[Candidate]:
    """A tip for each word sung half a semitone or more off the actor's note, worst
    first; else, for the word furthest off on average, a plain "off the note"."""
    offsets = [
        (s["index"], quote(s["text"]), s["offset"]) for s in segments if s.get("offset") is not None
    ]
    tips = [
        Candidate(severity, "intonation", tip["en"], tip["ko"], index)
        for severity, index, tip in pitch_tips(offsets)
    ]
    if tips:
        return tips
    worst = max(segments, key=lambda s: s["error"])
    if worst["error"] < 1.5:
        return []
    word = quote(worst["text"])
    return [
        Candidate(
            min(1.0, worst["error"] / 6),
            "intonation",
            f"You were off the note on {word}; listen and sing it again.",
            f"{word}에서 음이 맞지 않았어요. 듣고 다시 불러 보세요.",
            worst["index"],
        )
    ]


def _intonation_tips(ref: RecordingAnalysis, inton: IntonationResult, kind: str) -> list[Candidate]:
    # A melody tip about a 50 ms function word is not actionable: only words with at
    # least 0.1 s of voiced reference speech qualify.
    segs = [s for s in inton.segments if s.get("error") is not None and s["voiced_frames"] >= 10]
    if not segs:
        return []
    if kind == "song":
        return _song_tips(segs)
    worst = max(segs, key=lambda s: s["error"])
    if worst["error"] < 2.0:
        return []
    word = quote(worst["text"])
    index = worst["index"]
    severity = min(1.0, worst["error"] / 6)
    m = (inton.ref_times >= worst["start"]) & (inton.ref_times < worst["end"])
    r, a = inton.ref_curve[m], inton.att_curve[m]
    ok_r, ok_a = r[np.isfinite(r)], a[np.isfinite(a)]
    if len(ok_r) >= 4 and len(ok_a) >= 4:
        half_r, half_a = len(ok_r) // 2, len(ok_a) // 2
        ref_rise = ok_r[half_r:].mean() - ok_r[:half_r].mean()
        att_rise = ok_a[half_a:].mean() - ok_a[:half_a].mean()
        if ref_rise > 1 and att_rise < 0:
            return [
                Candidate(
                    severity,
                    "intonation",
                    f"Your pitch falls at the end of {word} where the actor's rises.",
                    f"{word}의 끝에서 배우는 음이 올라가는데 당신은 내려가요.",
                    index,
                )
            ]
        if ref_rise < -1 and att_rise > 0:
            return [
                Candidate(
                    severity,
                    "intonation",
                    f"Your pitch rises at the end of {word} where the actor's falls.",
                    f"{word}의 끝에서 배우는 음이 내려가는데 당신은 올라가요.",
                    index,
                )
            ]
    return [
        Candidate(
            severity,
            "intonation",
            f"Your melody on {word} differs from the actor's; copy how the pitch moves.",
            f"{word}의 억양이 배우와 달라요. 음높이가 움직이는 모양을 따라 해 보세요.",
            index,
        )
    ]
