"""Voice activity with silero-vad: where speech starts, ends and pauses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import models
from .audio import SAMPLE_RATE
from .errors import NoSpeechError, TooLittleSpeechError

MIN_SPEECH_SECONDS = 0.3
# Pauses shorter than this are part of normal articulation (stop closures), not pauses.
MIN_PAUSE_SECONDS = 0.15


@dataclass
class SpeechActivity:
    segments: list[tuple[float, float]]

    @property
    def onset(self) -> float:
        return self.segments[0][0]

    @property
    def offset(self) -> float:
        return self.segments[-1][1]

    @property
    def speech_seconds(self) -> float:
        return float(sum(e - s for s, e in self.segments))

    @property
    def pauses(self) -> list[tuple[float, float]]:
        return [
            (a[1], b[0])
            for a, b in zip(self.segments, self.segments[1:], strict=False)
            if b[0] - a[1] >= MIN_PAUSE_SECONDS
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"segments": [[round(s, 3), round(e, 3)] for s, e in self.segments]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpeechActivity:
        return cls(segments=[(float(s), float(e)) for s, e in data["segments"]])


def detect_speech(samples: np.ndarray, min_speech: float = MIN_SPEECH_SECONDS) -> SpeechActivity:
    import torch
    from silero_vad import get_speech_timestamps

    guarded = models.get("vad")
    tensor = torch.from_numpy(np.ascontiguousarray(samples)).to(models.device())
    with guarded.lock, torch.inference_mode():
        stamps = get_speech_timestamps(
            tensor,
            guarded.model,
            sampling_rate=SAMPLE_RATE,
            min_silence_duration_ms=int(MIN_PAUSE_SECONDS * 1000),
            min_speech_duration_ms=100,
            speech_pad_ms=30,
        )
    segments = [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]
    if not segments:
        raise NoSpeechError("voice activity detector found no speech")
    activity = SpeechActivity(segments=segments)
    if activity.speech_seconds < min_speech:
        raise TooLittleSpeechError(
            f"{activity.speech_seconds:.2f} s of speech",
            speech_seconds=round(activity.speech_seconds, 3),
            minimum_seconds=min_speech,
        )
    return activity
