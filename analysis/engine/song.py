"""Song mode: the key of a sung line, the note it starts on, and pitch tips per word.

Everything here reads the reference's (or the comparison's) pitch in MIDI note numbers
(69 = A4 = 440 Hz, one unit per semitone). The key is estimated with the
Krumhansl–Schmuckler method: a histogram of how long each pitch class is sung is
correlated with the Krumhansl–Kessler key profiles (probe-tone ratings, 1982) rotated to
each of the 24 major and minor keys, and the best match is the key. See
docs/scoring.md, "Song mode".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pitch import PitchTrack
from .recording import CROP_MARGIN, RecordingAnalysis
from .types import Bilingual, KeyEstimate, SongAnalysis, SungNote

# A note is a stretch of voiced frames whose pitch stays within NOTE_TOLERANCE_ST of the
# stretch's median. 0.6 semitone holds the vibrato of most singers (its extent is about
# ±0.3–0.6 semitone) and breaks at the next semitone: half of a window across a
# one-semitone step is 1.0 semitone from the window's median.
NOTE_TOLERANCE_ST = 0.6
# A note is held at least this long (seconds): shorter voiced stretches are the glides
# and consonant transitions between notes, which have no pitch a listener would name.
MIN_NOTE_SECONDS = 0.1
# The key needs enough of a melody: at least this many seconds of notes (about four
# sung syllables) and this many different pitch classes. Two or three notes fit many
# keys equally (C, G and A belong to C, F and G major and to their relative minors), so
# any answer would be the profile's emphasis rather than the melody's.
MIN_KEY_SECONDS = 1.0
MIN_KEY_PITCH_CLASSES = 4
# Pearson correlation with the best profile below which no key is named: a melody
# that fits no major or minor profile this well (chromatic lines, speech-like
# recitation) has no key worth telling a learner.
MIN_KEY_CORRELATION = 0.5
# A melody that fits two keys almost equally (F E D C is as much F major as C major)
# has no key of its own: below this lead over the runner-up (in correlation) none is
# named. Keys that differ by one sharp or flat share six of seven notes; on four-note
# fragments their correlations differed by 0.02–0.03.
MIN_KEY_MARGIN = 0.05

# Krumhansl & Kessler (1982), probe-tone ratings of each pitch class above the tonic.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Keys as musicians spell them (B-flat major, not A-sharp major).
KEY_TONICS = {
    "major": ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"),
    "minor": ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"),
}
# Korean key names: letter names 다라마바사가나 for CDEFGAB, 올림 sharp, 내림 flat.
_KO_LETTERS = {"C": "다", "D": "라", "E": "마", "F": "바", "G": "사", "A": "가", "B": "나"}
_KO_MODES = {"major": "장조", "minor": "단조"}

# Per-word pitch tips: an offset of half a semitone (50 cents) is halfway to the next
# note, plainly audible as out of tune (listeners notice about 20–30 cents in a held
# note), so smaller offsets get no tip.
PITCH_TIP_ST = 0.5
# Tip severity grows with the offset and is full at two semitones: a whole tone off is a
# wrong note in any melody, as urgent as any tip the engine gives.
PITCH_TIP_FULL_ST = 2.0


@dataclass(frozen=True)
class Note:
    start: float  # seconds
    end: float
    midi: float  # median of the note's frames, fractional
    hz: float


def midi_to_hz(midi: float) -> float:
    return float(440.0 * 2 ** ((midi - 69) / 12))


def note_name(midi: int) -> str:
    """Scientific pitch notation: 60 -> C4, 64 -> E4, 69 -> A4."""
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


def sung_notes(track: PitchTrack, start: float = 0.0, end: float | None = None) -> list[Note]:
    """The held notes between ``start`` and ``end`` (seconds), in order."""
    midi = track.midi()
    first = max(0, round(start / track.hop))
    last = len(midi) if end is None else min(len(midi), round(end / track.hop))
    window = max(2, round(MIN_NOTE_SECONDS / track.hop))
    notes: list[Note] = []
    i = first
    while i + window <= last:
        frames = midi[i : i + window]
        if not np.all(np.isfinite(frames)):
            i += 1
            continue
        centre = float(np.median(frames))
        if np.max(np.abs(frames - centre)) > NOTE_TOLERANCE_ST:
            i += 1
            continue
        j = i + window
        while j < last and np.isfinite(midi[j]) and abs(midi[j] - centre) <= NOTE_TOLERANCE_ST:
            j += 1
        held = midi[i:j]
        notes.append(
            Note(
                start=round(i * track.hop, 3),
                end=round(j * track.hop, 3),
                midi=float(np.median(held)),
                hz=float(np.median(track.hz[i:j])),
            )
        )
        i = j
    return notes


def tuning_offset(notes: list[Note]) -> float:
    """How far (in semitones, -0.5..0.5) the notes sit from A440 equal temperament.

    The duration-weighted circular mean of each note's distance from the nearest
    semitone: a recording tuned a quarter tone sharp still names its notes right.
    """
    if not notes:
        return 0.0
    weights = np.array([n.end - n.start for n in notes])
    phases = np.exp(2j * np.pi * np.array([n.midi for n in notes]))
    return float(np.angle(np.sum(weights * phases)) / (2 * np.pi))


def _key_name_ko(tonic: str, mode: str) -> str:
    accidental = {"#": "올림", "b": "내림"}.get(tonic[1:], "")
    return f"{accidental}{_KO_LETTERS[tonic[0]]}{_KO_MODES[mode]}"


def pitch_class_seconds(notes: list[Note], tuning: float = 0.0) -> np.ndarray:
    """How long each pitch class (C, C#, ... B) is held, seconds."""
    histogram = np.zeros(12)
    for n in notes:
        histogram[round(n.midi - tuning) % 12] += n.end - n.start
    return histogram


def estimate_key(histogram: np.ndarray) -> tuple[KeyEstimate | None, str | None]:
    """The key of a melody from its ``pitch_class_seconds`` (of one line, or of several
    lines added up): (key, None) or (None, why not): too_little_singing, too_few_notes,
    no_clear_key, ambiguous."""
    histogram = np.asarray(histogram, dtype=float)
    if histogram.sum() < MIN_KEY_SECONDS:
        return None, "too_little_singing"
    if np.count_nonzero(histogram) < MIN_KEY_PITCH_CLASSES:
        return None, "too_few_notes"
    scores: list[tuple[float, str, int]] = []
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            r = float(np.corrcoef(histogram, np.roll(profile, tonic))[0, 1])
            scores.append((r, mode, tonic))
    scores.sort(reverse=True)
    (best, mode, tonic), (second, second_mode, second_tonic) = scores[0], scores[1]
    if best < MIN_KEY_CORRELATION:
        return None, "no_clear_key"
    if best - second < MIN_KEY_MARGIN:
        return None, "ambiguous"
    name = KEY_TONICS[mode][tonic]
    return {
        "name": f"{name} {mode}",
        "name_ko": _key_name_ko(name, mode),
        "tonic": name,
        "mode": mode,
        "confidence": round(best, 3),
        "margin": round(best - second, 3),
        "runner_up": f"{KEY_TONICS[second_mode][second_tonic]} {second_mode}",
    }, None


def describe(track: PitchTrack, start: float = 0.0, end: float | None = None) -> SongAnalysis:
    """Key and starting note of the sung part of a recording (``start``..``end``)."""
    notes = sung_notes(track, start, end)
    tuning = tuning_offset(notes)
    histogram = pitch_class_seconds(notes, tuning)
    key, reason = estimate_key(histogram)
    first: SungNote | None = None
    if notes:
        n = notes[0]
        midi = round(n.midi - tuning)
        first = {
            "midi": midi,
            "name": note_name(midi),
            "hz": round(n.hz, 1),  # the actor's own pitch, which the learner should match
            "start": n.start,
            "end": n.end,
        }
    return {
        "key": key,
        "key_reason": reason,
        "start_note": first,
        "tuning_cents": round(100 * tuning, 1),
        "notes": len(notes),
        "pitch_classes": [round(float(v), 2) for v in histogram],
    }


def describe_recording(recording: RecordingAnalysis) -> SongAnalysis:
    """``describe`` over the voice's span (as voice activity found it, with the margin the
    aligner gets): an instrumental intro or outro is not the singer's first note."""
    return describe(
        recording.pitch,
        max(0.0, recording.activity.onset - CROP_MARGIN),
        recording.activity.offset + CROP_MARGIN,
    )


def word_pitch_offset(differences: np.ndarray) -> float:
    """The learner's pitch minus the actor's on one word, semitones in [-6, 6).

    The median of the frame differences, folded to the nearest octave: a man singing a
    woman's line an octave down is on the note, and a learner who drops an octave for
    the high words is judged on each word in the octave they sang it in.
    """
    return float((np.median(differences) + 6.0) % 12.0 - 6.0)


def _amount(semitones: float) -> Bilingual:
    steps = round(abs(semitones) * 2) / 2  # to the nearest half semitone
    if steps <= 0.5:
        return {"en": "half a semitone", "ko": "반음의 절반만큼"}
    if steps == 1:
        return {"en": "a semitone", "ko": "반음"}
    return {"en": f"{steps:g} semitones", "ko": f"반음 {steps:g}개만큼"}


def pitch_tips(offsets: list[tuple[int, str, float]]) -> list[tuple[float, int, Bilingual]]:
    """(severity, word index, tip) for each word sung PITCH_TIP_ST or more off the
    actor's note, worst first. ``offsets``: (word index, quoted word, semitones)."""
    tips: list[tuple[float, int, Bilingual]] = []
    for index, word, offset in offsets:
        if abs(offset) < PITCH_TIP_ST:
            continue
        amount = _amount(offset)
        if offset > 0:
            tip: Bilingual = {
                "en": f"Sharp by {amount['en']} on {word}: sing it lower.",
                "ko": f"{word}에서 {amount['ko']} 높아요. 조금 낮춰 불러 보세요.",
            }
        else:
            tip = {
                "en": f"Flat by {amount['en']} on {word}: sing it higher.",
                "ko": f"{word}에서 {amount['ko']} 낮아요. 조금 높여 불러 보세요.",
            }
        tips.append((min(1.0, abs(offset) / PITCH_TIP_FULL_ST), index, tip))
    tips.sort(key=lambda t: -t[0])
    return tips
