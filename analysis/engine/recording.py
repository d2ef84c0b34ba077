"""Everything measured on one recording; the reference's copy is cached as JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import align, audio, lexicon, pitch, vad
from .types import ENGINE_VERSION

REFERENCE_FORMAT = 1
CROP_MARGIN = 0.3


@dataclass
class RecordingAnalysis:
    duration: float
    activity: vad.SpeechActivity
    alignment: align.Alignment
    pitch: pitch.PitchTrack
    loudness_db: np.ndarray  # 10 ms frames
    clipped: bool = False

    def present_words(self) -> list[align.AlignedWord]:
        return [w for w in self.alignment.words if w.present]

    def to_dict(self) -> dict:
        return {
            "format": REFERENCE_FORMAT,
            "engine": ENGINE_VERSION,
            "duration": round(self.duration, 3),
            "clipped": self.clipped,
            "activity": self.activity.to_dict(),
            "alignment": self.alignment.to_dict(),
            "pitch_hz": self.pitch.to_list(),
            "loudness_db": [round(float(v), 1) for v in self.loudness_db],
        }

    @classmethod
    def from_dict(cls, data: dict) -> RecordingAnalysis:
        if data.get("format") != REFERENCE_FORMAT:
            raise ValueError("reference analysis from another engine version; re-analyse")
        return cls(
            duration=float(data["duration"]),
            activity=vad.SpeechActivity.from_dict(data["activity"]),
            alignment=align.Alignment.from_dict(data["alignment"]),
            pitch=pitch.PitchTrack.from_list(data["pitch_hz"]),
            loudness_db=np.asarray(data["loudness_db"], dtype=np.float32),
            clipped=bool(data.get("clipped", False)),
        )


Stage = Callable[[str], None]


def analyse(
    decoded: audio.Audio,
    words: list[lexicon.Word],
    kind: str,
    stage: Stage,
) -> RecordingAnalysis:
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
    alignment = align.align_words(excerpt, words)
    stage("pronunciation")
    loop_frames, _ = align.phone_loop_scores(excerpt)
    align.attach_gop(alignment, loop_frames)
    alignment.shift(first / audio.SAMPLE_RATE)
    stage("intonation")
    track = pitch.track_pitch(decoded.samples, kind)
    loudness = audio.frame_db(decoded.samples)
    return RecordingAnalysis(
        duration=decoded.duration,
        activity=activity,
        alignment=alignment,
        pitch=track,
        loudness_db=loudness,
        clipped=decoded.clipped,
    )
