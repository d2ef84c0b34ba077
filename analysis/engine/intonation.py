"""Intonation: does the learner's melody follow the actor's?

Both contours are in semitones relative to each speaker's own median pitch, so a
low voice can match a high one. The learner's recording is mapped onto the actor's
time axis with the forced alignment (word and phone boundaries of the same text are
natural anchor points), which is cheaper and, for the same words, sharper than a DTW
on spectral features. Songs are compared in absolute pitch instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .recording import RecordingAnalysis
from .song import word_pitch_offset

# RMS difference (semitones) at which the "closeness" half of the score has fallen to
# 1/e: three semitones is a minor third, an obviously different melody.
RMS_SCALE_ST = 3.0
# A melody pressed flatter than the actor's does not follow it, even where it is too
# flat to be far from it (rms) or to disagree with it (correlation): the score is
# multiplied by (learner's spread / actor's spread) ** RANGE_EXPONENT when the learner's
# is smaller. Spreads are standard deviations in semitones, plus RANGE_FLOOR_ST so a
# near-monotone actor does not turn small differences into large ratios. Half the
# actor's spread (1 st against 2) costs 14 %; a flattened reading (0 against 2 st) 38 %.
RANGE_EXPONENT = 0.3
RANGE_FLOOR_ST = 0.5
# Songs: within one semitone (octave-folded) is on the note; credit fades to zero at two.
SONG_TOLERANCE_ST = 1.0
MIN_VOICED_FRAMES = 15
# Songs: a word's pitch offset needs 0.1 s (10 frames) where both sang it; shorter
# stretches are consonant transitions and glides, and a tip about them could not be acted on.
MIN_OFFSET_FRAMES = 10


@dataclass
class IntonationResult:
    score: float
    correlation: float | None
    rms_semitones: float | None
    coverage: float
    ref_times: np.ndarray  # the common time axis (reference clock)
    ref_curve: np.ndarray  # semitones (speech) or MIDI (song)
    att_curve: np.ndarray
    segments: list[dict[str, Any]] = field(default_factory=list)  # per word: where it went wrong


def time_map(ref: RecordingAnalysis, att: RecordingAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """Anchor points (reference time, attempt time), monotonic, for np.interp."""
    anchors: list[tuple[float, float]] = [
        (ref.activity.onset, att.activity.onset),
        (ref.activity.offset, att.activity.offset),
    ]
    by_index = {w.index: w for w in att.alignment.words if w.present}
    for rw in ref.alignment.words:
        aw = by_index.get(rw.index)
        if not rw.present or aw is None:
            continue
        anchors += [(rw.start, aw.start), (rw.end, aw.end)]
        if len(rw.phones) == len(aw.phones):
            anchors += [(rp.start, ap.start) for rp, ap in zip(rw.phones, aw.phones, strict=True)]
    anchors.sort()
    kept: list[tuple[float, float]] = []
    for r, a in anchors:  # drop anchors that would make time run backwards
        if not kept or (r > kept[-1][0] and a > kept[-1][1]):
            kept.append((r, a))
    if len(kept) < 2:
        kept = [(0.0, 0.0), (ref.duration, att.duration)]
    return np.array([k[0] for k in kept]), np.array([k[1] for k in kept])


def warp(ref_times: np.ndarray, anchors: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    warped: np.ndarray = np.interp(ref_times, anchors[0], anchors[1])
    return warped


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.std(a) < 1e-3 or np.std(b) < 1e-3:
        return 0.0  # a flat line has no shape to follow
    return float(np.corrcoef(a, b)[0, 1])


def _word_segments(
    ref: RecordingAnalysis,
    ref_times: np.ndarray,
    diff: np.ndarray,
    voiced_ref: np.ndarray,
    kind: str,
    raw_diff: np.ndarray,
) -> list[dict[str, Any]]:
    segments: list[dict[str, Any]] = []
    for w in ref.alignment.words:
        if not w.present:
            continue
        m = (ref_times >= w.start) & (ref_times < w.end) & voiced_ref
        d = diff[m & np.isfinite(diff)]
        if m.sum() < 3:
            continue
        seg = {
            "index": w.index,
            "text": w.text,
            "start": w.start,
            "end": w.end,
            "voiced_frames": int(m.sum()),
        }
        if len(d) == 0:
            seg["error"] = None
        elif kind == "song":
            seg["error"] = round(float(np.mean(np.abs(d))), 2)
        else:
            seg["error"] = round(float(np.sqrt(np.mean(d**2))), 2)
        if kind == "song":
            # The word's own offset, from its unfolded frames (see word_pitch_offset).
            sung = raw_diff[m & np.isfinite(raw_diff)]
            seg["offset"] = None
            if len(sung) >= MIN_OFFSET_FRAMES:
                seg["offset"] = round(word_pitch_offset(sung), 1) + 0.0  # + 0.0: no "-0.0"
        segments.append(seg)
    return segments


def score_intonation(ref: RecordingAnalysis, att: RecordingAnalysis, kind: str) -> IntonationResult:
    anchors = time_map(ref, att)
    start, end = ref.activity.onset, ref.activity.offset
    ref_times = np.arange(start, end, ref.pitch.hop)
    att_times = warp(ref_times, anchors)
    if kind == "song":
        ref_curve = ref.pitch.at(ref_times, ref.pitch.midi())
        att_curve = att.pitch.at(att_times, att.pitch.midi())
    else:
        ref_curve = ref.pitch.at(ref_times, ref.pitch.semitones())
        att_curve = att.pitch.at(att_times, att.pitch.semitones())
    voiced_ref = np.isfinite(ref_curve)
    both = voiced_ref & np.isfinite(att_curve)
    coverage = float(both.sum() / max(1, voiced_ref.sum()))
    diff = att_curve - ref_curve
    raw_diff = diff
    if kind == "song":
        diff = (diff + 6.0) % 12.0 - 6.0  # octave-folded: singing an octave up is fine
    segments = _word_segments(ref, ref_times, diff, voiced_ref, kind, raw_diff)
    if both.sum() < MIN_VOICED_FRAMES:
        return IntonationResult(
            0.0, None, None, coverage, ref_times, ref_curve, att_curve, segments
        )
    if kind == "song":
        credit = np.clip(2.0 - np.abs(diff[both]) / SONG_TOLERANCE_ST, 0.0, 1.0)
        # Reference notes the learner did not voice at all earn nothing.
        score = 100.0 * float(credit.sum()) / max(1, voiced_ref.sum())
        rms = float(np.sqrt(np.mean(diff[both] ** 2)))
        return IntonationResult(
            round(score, 1), None, rms, coverage, ref_times, ref_curve, att_curve, segments
        )
    r = _correlation(ref_curve[both], att_curve[both])
    d = diff[both]
    rms = float(np.sqrt(np.mean((d - np.median(d)) ** 2)))
    shape = 0.5 * max(0.0, r) + 0.5 * float(np.exp(-rms / RMS_SCALE_ST))
    spread = (float(np.std(att_curve[both])) + RANGE_FLOOR_ST) / (
        float(np.std(ref_curve[both])) + RANGE_FLOOR_ST
    )
    shape *= min(1.0, spread) ** RANGE_EXPONENT
    # Voicing the line only partly (whispering, cutting words) limits the score.
    score = 100.0 * shape * min(1.0, coverage / 0.6)
    return IntonationResult(
        round(score, 1), r, rms, coverage, ref_times, ref_curve, att_curve, segments
    )
