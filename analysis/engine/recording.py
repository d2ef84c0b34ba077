"""Everything measured on one recording; the reference's copy is cached as JSON."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import align, audio, lexicon, phonemes, pitch, vad
from .phone_analysis import PhoneAnalysis, analyse_phones
from .types import ENGINE_VERSION

# 2: the phoneme model's analysis (engine 2.0) and the line's language.
REFERENCE_FORMAT = 2
CROP_MARGIN = 0.3
# Frames this far below the loudest are not speech the phoneme model needs to hear
# (the speech level is normalised to -23 dBFS; 45 dB below it is room noise).
LOUD_RANGE_DB = 45.0
# One side thread per worker thread that may be scoring (Dramatiq runs two).
_side = ThreadPoolExecutor(max_workers=2, thread_name_prefix="phones")


@dataclass
class RecordingAnalysis:
    duration: float
    activity: vad.SpeechActivity
    alignment: align.Alignment
    pitch: pitch.PitchTrack
    loudness_db: np.ndarray  # 10 ms frames
    clipped: bool = False
    language: str = "en"
    phones: PhoneAnalysis | None = None  # None: no phone model for the language
    word_aligner: bool = True  # False: word timings come from the phone model

    def present_words(self) -> list[align.AlignedWord]:
        return [w for w in self.alignment.words if w.present]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REFERENCE_FORMAT,
            "engine": ENGINE_VERSION,
            "language": self.language,
            "duration": round(self.duration, 3),
            "clipped": self.clipped,
            "activity": self.activity.to_dict(),
            "alignment": self.alignment.to_dict(),
            "word_aligner": self.word_aligner,
            "phones": None if self.phones is None else self.phones.to_dict(),
            "pitch_hz": self.pitch.to_list(),
            "loudness_db": [round(float(v), 1) for v in self.loudness_db],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordingAnalysis:
        if data.get("format") != REFERENCE_FORMAT:
            raise ValueError("reference analysis from another engine version; re-analyse")
        phones = data.get("phones")
        return cls(
            duration=float(data["duration"]),
            activity=vad.SpeechActivity.from_dict(data["activity"]),
            alignment=align.Alignment.from_dict(data["alignment"]),
            pitch=pitch.PitchTrack.from_list(data["pitch_hz"]),
            loudness_db=np.asarray(data["loudness_db"], dtype=np.float32),
            clipped=bool(data.get("clipped", False)),
            language=str(data["language"]),
            phones=None if phones is None else PhoneAnalysis.from_dict(phones),
            word_aligner=bool(data["word_aligner"]),
        )


Stage = Callable[[str], None]


def _alignment_from_phones(analysis: PhoneAnalysis) -> align.Alignment:
    """Word timings from the phone model's best path, where no word aligner exists.

    A word counts as present unless deleting it explains the audio better outright
    (the actor-relative judgement happens later, in pronunciation).
    """
    words = []
    for w in analysis.words:
        present = bool(w.phones) and w.presence > 0
        words.append(
            align.AlignedWord(
                index=w.index,
                text=w.text,
                key=w.text,
                present=present,
                start=w.start if present else 0.0,
                end=w.end if present else 0.0,
                phones=[align.Phone(p.phone, p.start, p.end, p.gop) for p in w.phones]
                if present
                else [],
            )
        )
    return align.Alignment(words=words, insertions=[])


def _loud_part(samples: np.ndarray, loudness: np.ndarray) -> tuple[np.ndarray, float]:
    """The recording from 0.3 s before its first loud frame to 0.3 s after its last.

    Loud: within LOUD_RANGE_DB of the loudest 10 ms frame. Cut on the phoneme model's
    20 ms frame grid, so a take that starts later is cut into the same frames.
    """
    loud = np.flatnonzero(loudness > loudness.max() - LOUD_RANGE_DB)
    if len(loud) == 0:
        return samples, 0.0
    grid = round(phonemes.FRAME_SECONDS * audio.SAMPLE_RATE)
    first = max(0, int((loud[0] * 0.01 - CROP_MARGIN) * audio.SAMPLE_RATE) // grid * grid)
    last = min(len(samples), int(((loud[-1] + 1) * 0.01 + CROP_MARGIN) * audio.SAMPLE_RATE))
    return samples[first:last], first / audio.SAMPLE_RATE


def analyse(
    decoded: audio.Audio,
    words: list[lexicon.Word],
    kind: str,
    stage: Stage,
    language: str = "en",
) -> RecordingAnalysis:
    loudness = audio.frame_db(decoded.samples)
    # The phoneme model is the longest step. It starts at once, on the loud part of
    # the recording, and runs on its own thread (native code, without the GIL) while
    # voice activity and the word aligner run here: on two cores the take costs
    # about the phoneme model alone.
    pending: Future[PhoneAnalysis] | None = None
    loud_offset = 0.0
    if phonemes.is_assessed(language):
        canonical = phonemes.canonical(words, language)
        loud, loud_offset = _loud_part(decoded.samples, loudness)
        pending = _side.submit(analyse_phones, loud, canonical, language)
    stage("voice_activity")
    activity = vad.detect_speech(decoded.samples)
    stage("alignment")
    # Decode only the speech and a margin: learners often wait seconds before and
    # after the line, and the decoder's cost grows with every frame.
    # On the 10 ms frame grid, so a take shifted in time is cut into the same frames.
    hop = audio.SAMPLE_RATE // 100
    first = max(0, int((activity.onset - CROP_MARGIN) * audio.SAMPLE_RATE) // hop * hop)
    last = min(len(decoded.samples), int((activity.offset + CROP_MARGIN) * audio.SAMPLE_RATE))
    excerpt = decoded.samples[first:last]
    offset = first / audio.SAMPLE_RATE
    word_aligner = language == "en"
    alignment = align.align_words(excerpt, words) if word_aligner else None
    stage("pronunciation")
    phones = None
    if pending is not None:
        phones = pending.result()
        phones.shift(loud_offset)
    if alignment is not None:
        alignment.shift(offset)
    elif phones is not None:
        alignment = _alignment_from_phones(phones)
    else:  # no word aligner and no phone model for the language: no word timings
        words_unaligned = [align.AlignedWord(i, w.text, w.key, False) for i, w in enumerate(words)]
        alignment = align.Alignment(words=words_unaligned, insertions=[])
    stage("intonation")
    track = pitch.track_pitch(decoded.samples, kind)
    return RecordingAnalysis(
        duration=decoded.duration,
        activity=activity,
        alignment=alignment,
        pitch=track,
        loudness_db=loudness,
        clipped=decoded.clipped,
        language=language,
        phones=phones,
        word_aligner=word_aligner,
    )
