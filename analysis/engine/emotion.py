"""Emotion, measured as expressiveness relative to the actor.

There is no offline speech-emotion model we can ship (none comes with its weights in
a PyPI package), and a category label ("angry") would not tell a learner what to
change anyway. So this score compares how the learner *delivers* the line with how
the actor did: pitch range and movement, loudness dynamics, speaking rate and pauses.
A flat reading of an excited line scores low; so does shouting a whispered one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .recording import RecordingAnalysis

# A factor of two between learner and actor on a feature costs that feature 63 %.
RATIO_SCALE = np.log(2.0)
PAUSE_SHARE_SCALE = 0.15
WEIGHTS = {
    "pitch_range": 0.3,
    "pitch_movement": 0.25,
    "loudness_dynamics": 0.25,
    "speaking_rate": 0.1,
    "pauses": 0.1,
}


@dataclass
class EmotionResult:
    score: float
    reference: dict[str, float]
    attempt: dict[str, float]
    components: dict[str, float]


def expressiveness(rec: RecordingAnalysis) -> dict[str, float]:
    st = rec.pitch.semitones()
    voiced = st[np.isfinite(st)]
    pitch_range = (
        float(np.percentile(voiced, 90) - np.percentile(voiced, 10)) if len(voiced) > 5 else 0.0
    )
    # Movement: median absolute pitch change per second between adjacent voiced frames.
    steps = np.abs(np.diff(st)) / rec.pitch.hop
    steps = steps[np.isfinite(steps)]
    movement = float(np.mean(np.minimum(steps, 200.0))) if len(steps) else 0.0
    onset, offset = rec.activity.onset, rec.activity.offset
    i0, i1 = int(onset / 0.01), int(offset / 0.01)
    level = rec.loudness_db[i0:i1]
    level = level[level > level.max() - 40] if len(level) else level  # skip silences
    dynamics = float(np.std(level)) if len(level) > 5 else 0.0
    n_phones = sum(len(w.phones) for w in rec.alignment.words if w.present)
    speech = max(rec.activity.speech_seconds, 1e-3)
    span = max(offset - onset, 1e-3)
    pause_share = float(sum(e - s for s, e in rec.activity.pauses) / span)
    return {
        "pitch_range": round(pitch_range, 3),
        "pitch_movement": round(movement, 3),
        "loudness_dynamics": round(dynamics, 3),
        "speaking_rate": round(n_phones / speech, 3),
        "pauses": round(pause_share, 3),
    }


def _ratio_similarity(a: float, r: float, floor: float) -> float:
    return float(np.exp(-abs(np.log((a + floor) / (r + floor))) / RATIO_SCALE))


def score_emotion(ref: RecordingAnalysis, att: RecordingAnalysis) -> EmotionResult:
    rf, af = expressiveness(ref), expressiveness(att)
    components = {
        # Floors keep near-zero values (a monotone actor) from exploding the ratio.
        "pitch_range": _ratio_similarity(af["pitch_range"], rf["pitch_range"], 0.5),
        "pitch_movement": _ratio_similarity(af["pitch_movement"], rf["pitch_movement"], 2.0),
        "loudness_dynamics": _ratio_similarity(
            af["loudness_dynamics"], rf["loudness_dynamics"], 0.5
        ),
        "speaking_rate": _ratio_similarity(af["speaking_rate"], rf["speaking_rate"], 0.5),
        "pauses": float(np.exp(-abs(af["pauses"] - rf["pauses"]) / PAUSE_SHARE_SCALE)),
    }
    score = 100.0 * sum(WEIGHTS[k] * v for k, v in components.items())
    return EmotionResult(round(score, 1), rf, af, {k: round(v, 3) for k, v in components.items()})
