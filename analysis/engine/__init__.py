"""YouSync scoring engine: reference clip + learner's take + line text -> Assessment.

Plain library, no Django. Typical use in a worker::

    warm_up()                                   # once, at worker start
    cached = analyse_reference(ref_path, text, kind, language="en")   # once per line, stored
    result = assess(None, take_path, text, kind, progress=report, reference_analysis=cached,
                    language="en")

``language`` defaults to what the text's script says (Hangul: "ko", else "en").
Languages without a phone model ("ja") get no pronunciation score (None).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import align, audio, lexicon, models, phonemes, pitch, song, vad
from .emotion import score_emotion
from .errors import (
    WARNING_MESSAGES,
    EmptyTextError,
    EngineError,
    NoSpeechError,
    TooLittleSpeechError,
    TooLongError,
    UndecodableAudioError,
)
from .feedback import build_feedback
from .intonation import score_intonation, time_map
from .phone_analysis import analyse_phones
from .pronunciation import score_pronunciation
from .recording import RecordingAnalysis, analyse
from .timing import score_timing
from .types import ENGINE_VERSION, FEEDBACK_VERSION, Assessment

__all__ = [
    "ENGINE_VERSION",
    "FEEDBACK_VERSION",
    "REFERENCE_VOICES",
    "STAGES",
    "WARNING_MESSAGES",
    "Assessment",
    "EmptyTextError",
    "EngineError",
    "NoSpeechError",
    "TooLittleSpeechError",
    "TooLongError",
    "UndecodableAudioError",
    "analyse_reference",
    "assess",
    "language_of",
    "warm_up",
]

ProgressCallback = Callable[[str, int], None]

# Stage name -> progress percentage reported when the stage starts.
STAGES = {
    "decode": 5,
    "voice_activity": 15,
    "alignment": 30,
    "pronunciation": 50,
    "intonation": 60,
    "timing": 75,
    "emotion": 85,
    "feedback": 95,
}
WEIGHTS = {
    # Speech: saying the words right matters most; melody and timing make it a dub.
    "speech": {"pronunciation": 0.35, "intonation": 0.25, "timing": 0.25, "emotion": 0.15},
    # Songs: the melody is the point.
    "song": {"pronunciation": 0.2, "intonation": 0.45, "timing": 0.25, "emotion": 0.1},
}
# What a take can be compared with (see ``assess``).
REFERENCE_VOICES = frozenset({"actor", "recording", "synthetic"})
AudioSource = audio.AudioSource
language_of = phonemes.language_of


class _Stages:
    def __init__(self, progress: ProgressCallback | None) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self._current: str | None = None
        self._since = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        if self._current:
            self.seconds[self._current] = self.seconds.get(self._current, 0.0) + now - self._since
        self._current, self._since = name, now
        if self.progress is not None:
            self.progress(name, STAGES[name])

    def finish(self) -> dict[str, float]:
        now = time.perf_counter()
        self.seconds["feedback"] = self.seconds.get("feedback", 0.0) + now - self._since
        self._current = None
        return {k: round(v, 4) for k, v in self.seconds.items()}


def _words(text: str, language: str) -> list[lexicon.Word]:
    words = lexicon.words_for(text, language)
    if not words:
        raise EmptyTextError("the line's text has no words")
    return words


def _language(text: str, language: str | None) -> str:
    return (language or phonemes.language_of(text)).lower()[:2]


def _analyse_reference(
    reference: AudioSource,
    words: list[lexicon.Word],
    kind: str,
    max_seconds: float | None,
    language: str,
) -> RecordingAnalysis:
    decoded = audio.decode(reference, max_seconds=max_seconds)
    return analyse(decoded, words, kind, lambda _stage: None, language)


def _cached_reference(
    data: dict[str, Any] | None, text: str, kind: str, language: str
) -> RecordingAnalysis | None:
    """The cached analysis if it was made for this text, kind, language and engine format."""
    if data is None or data.get("text", text) != text:
        return None
    # Songs track pitch over a wider range, so a speech analysis does not fit a song.
    if (data.get("kind", kind) == "song") != (kind == "song"):
        return None
    if data.get("language") != language:
        return None
    try:
        return RecordingAnalysis.from_dict(data)
    except (ValueError, KeyError, TypeError):
        return None  # stale or foreign format: analyse the audio again


def analyse_reference(
    reference: AudioSource,
    text: str,
    kind: str = "movie",
    max_seconds: float | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Analyse the actor's clip once; the JSON-serialisable result is cached per line.

    Song lines also get ``"song"``: the key and the starting note (``types.SongAnalysis``).
    """
    lang = _language(text, language)
    words = _words(text, lang)
    analysis = _analyse_reference(reference, words, kind, max_seconds, lang)
    data = analysis.to_dict()
    data["text"] = text
    data["kind"] = kind
    if kind == "song":
        data["song"] = song.describe_recording(analysis)
    return data


def assess(
    reference: AudioSource | None,
    attempt: AudioSource,
    text: str,
    kind: str = "movie",
    progress: ProgressCallback | None = None,
    reference_analysis: dict[str, Any] | None = None,
    max_seconds: float | None = None,
    language: str | None = None,
    reference_voice: str = "actor",
) -> Assessment:
    """Score a learner's take against the actor's clip.

    Pass ``reference_analysis`` (from ``analyse_reference``) to skip the reference
    side; ``reference`` may then be None. Raises an ``EngineError`` subclass when the
    take cannot be scored.

    ``reference_voice`` says what the reference is (REFERENCE_VOICES): the actor's clip,
    on whose clock the learner recorded; another ``"recording"`` of the line, recorded on
    its own clock (the onset is not compared); or a ``"synthetic"`` reading (no onset, and
    no emotion: a synthetic voice has no intended feeling to match, so ``emotion`` is
    None and the overall score is over the other dimensions).
    """
    if reference_voice not in REFERENCE_VOICES:
        raise ValueError(f"reference_voice must be one of {sorted(REFERENCE_VOICES)}")
    lang = _language(text, language)
    words = _words(text, lang)
    stages = _Stages(progress)
    stages("decode")
    decoded = audio.decode(attempt, max_seconds=max_seconds)
    ref = _cached_reference(reference_analysis, text, kind, lang)
    if ref is None:
        if reference is None:
            raise ValueError("need the reference audio or a current cached analysis of it")
        ref = _analyse_reference(reference, words, kind, None, lang)
    att = analyse(decoded, words, kind, stages, lang)  # reports up to "intonation"
    pron = score_pronunciation(ref.phones, att.phones, att.alignment, lang, att.word_aligner)
    inton = score_intonation(ref, att, "song" if kind == "song" else "speech")
    stages("timing")
    timing = score_timing(ref, att, clip_clock=reference_voice == "actor")
    stages("emotion")
    emotion = score_emotion(ref, att)
    emotion_compared = reference_voice != "synthetic"
    stages("feedback")
    warnings = []
    if decoded.clipped:
        warnings.append("clipping")
    if ref.clipped:
        warnings.append("reference_clipping")
    mode = "song" if kind == "song" else "speech"
    scores = {
        "pronunciation": pron.score,
        "intonation": inton.score,
        "timing": timing.score,
        "emotion": emotion.score if emotion_compared else None,
    }
    # A dimension that was not assessed drops out; the others keep their proportions.
    weights = {k: WEIGHTS[mode][k] for k, v in scores.items() if v is not None}
    overall = sum(w * float(scores[k] or 0.0) for k, w in weights.items()) / sum(weights.values())
    feedback = build_feedback(
        ref,
        att,
        mode,
        pron,
        inton,
        timing,
        emotion,
        time_map(ref, att),
        warnings,
        reference=reference_voice,
        emotion_compared=emotion_compared,
    )
    return Assessment(
        pronunciation=None if pron.score is None else float(pron.score),
        intonation=float(inton.score),
        timing=float(timing.score),
        emotion=float(emotion.score) if emotion_compared else None,
        overall=round(float(overall), 1),
        detailed_feedback=feedback,
        warnings=warnings,
        duration=round(decoded.duration, 3),
        stage_seconds=stages.finish(),
    )


def warm_up() -> None:
    """Load every model and run each stage once so the first real take is fast."""
    lexicon.cmudict()
    rate = audio.SAMPLE_RATE
    t = np.arange(int(1.2 * rate)) / rate
    # A gliding vowel-like tone with harmonics: enough to exercise VAD, alignment and pitch.
    f0 = 140 + 40 * t
    phase = 2 * np.pi * np.cumsum(f0) / rate
    tone = np.sum([np.sin(k * phase) / k for k in range(1, 12)], axis=0).astype(np.float32) * 0.2
    samples = np.concatenate(
        [np.zeros(rate // 5, np.float32), tone, np.zeros(rate // 5, np.float32)]
    )
    models.get("vad")
    # A tone may not count as speech; the model ran all the same.
    with contextlib.suppress(EngineError):
        vad.detect_speech(samples, min_speech=0.0)
    words = lexicon.words_for("hello")
    align.align_words(samples, words)
    analyse_phones(samples, phonemes.canonical(words, "en"), "en")
    analyse_phones(samples, phonemes.canonical(lexicon.words_for("안녕", "ko"), "ko"), "ko")
    pitch.track_pitch(samples)
