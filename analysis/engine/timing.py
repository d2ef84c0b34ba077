"""Timing: does the take fit the original's slot?

Dubbing must fit the picture: the learner records against the clip's clock, so the
speech onset is compared in absolute time, while word timings are compared relative
to each speaker's own onset so that one late start is counted once, not in every word.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .align import AlignedWord
from .recording import RecordingAnalysis

# Each component decays exponentially: the constant is the error at which that
# component has fallen to 1/e (37 %). They follow lip-sync tolerances: viewers notice
# audio/lip offsets of roughly 0.1-0.2 s, and a dub that overruns a shot by half a
# second is plainly wrong.
ONSET_SCALE_S = 0.4
DURATION_SCALE = np.log(1.25)  # 25 % longer or shorter
WORD_SCALE_S = 0.25
PAUSE_SCALE_S = 0.3
WEIGHTS = {"onset": 0.25, "duration": 0.25, "words": 0.35, "pauses": 0.15}


@dataclass
class TimingResult:
    score: float
    onset_offset: float  # attempt onset - reference onset, seconds (+ = late)
    duration_ratio: float  # attempt speech span / reference speech span
    word_offsets: list[dict[str, Any]]
    pause_difference: float
    components: dict[str, float]


def _gaps(words: list[AlignedWord]) -> dict[int, float]:
    """Silence after each word before the next present word, keyed by word index."""
    out = {}
    for a, b in itertools.pairwise(words):
        out[a.index] = max(0.0, b.start - a.end)
    return out


def score_timing(
    ref: RecordingAnalysis, att: RecordingAnalysis, *, clip_clock: bool = True
) -> TimingResult:
    """``clip_clock=False``: the take was not recorded against the reference's clock (a
    reference made or recorded separately), so its onset says nothing and is left out;
    pacing (length, word timing from each onset, pauses) is still compared."""
    onset = att.activity.onset - ref.activity.onset
    ref_span = ref.activity.offset - ref.activity.onset
    att_span = att.activity.offset - att.activity.onset
    ratio = att_span / max(ref_span, 1e-3)
    ref_words = ref.present_words()
    att_by_index = {w.index: w for w in att.present_words()}
    offsets = []
    errors = []
    for rw in ref_words:
        aw = att_by_index.get(rw.index)
        if aw is None:
            continue
        ds = (aw.start - att.activity.onset) - (rw.start - ref.activity.onset)
        de = (aw.end - att.activity.onset) - (rw.end - ref.activity.onset)
        offsets.append(
            {"index": rw.index, "text": rw.text, "start": round(ds, 3), "end": round(de, 3)}
        )
        errors.append((abs(ds) + abs(de)) / 2)
    ref_gaps, att_gaps = _gaps(ref_words), _gaps(list(att_by_index.values()))
    shared = [i for i in ref_gaps if i in att_gaps]
    pause_diff = float(np.mean([abs(att_gaps[i] - ref_gaps[i]) for i in shared])) if shared else 0.0
    components = {
        "onset": float(np.exp(-abs(onset) / ONSET_SCALE_S)),
        "duration": float(np.exp(-abs(np.log(max(ratio, 1e-3))) / DURATION_SCALE)),
        # Words the learner left out cannot be timed: they count as fully off.
        "words": float(np.mean([np.exp(-e / WORD_SCALE_S) for e in errors] or [0.0]))
        * (len(errors) / max(1, len(ref_words))),
        "pauses": float(np.exp(-pause_diff / PAUSE_SCALE_S)),
    }
    if not clip_clock:
        del components["onset"]
    if not ref_words:
        # No word timings at all (a language without a word aligner or phone model):
        # the line is timed by its onset, length and pauses alone.
        del components["words"]
    weight = sum(WEIGHTS[k] for k in components)
    score = 100.0 * sum(WEIGHTS[k] * v for k, v in components.items()) / weight
    return TimingResult(
        round(score, 1),
        round(onset, 3),
        round(ratio, 3),
        offsets,
        round(pause_diff, 3),
        {k: round(v, 3) for k, v in components.items()},
    )
