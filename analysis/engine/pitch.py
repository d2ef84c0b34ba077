"""Pitch contours.

Tracker: Praat's autocorrelation method through parselmouth. It was chosen by
measurement (see docs/scoring.md, "Choosing the pitch tracker"): on this 2-core CPU
it is the fastest of torchcrepe-tiny, Praat and librosa's pyin by an order of
magnitude, with gross-error rates as low as the others on speech-like signals, and it
needs no JIT warm-up and no torchaudio.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE

HOP_SECONDS = 0.01
SPEECH_RANGE = (60.0, 600.0)
# Singing reaches higher than speech (soprano ~1 kHz); songs get a wider ceiling.
SONG_RANGE = (60.0, 1000.0)
# Praat keeps global state and is not documented as thread-safe; a call takes ~10 ms,
# so serialising it costs nothing.
_praat_lock = threading.Lock()


@dataclass
class PitchTrack:
    hz: np.ndarray  # f0 per 10 ms frame from t=0, NaN where unvoiced
    hop: float = HOP_SECONDS

    @property
    def times(self) -> np.ndarray:
        return np.arange(len(self.hz)) * self.hop

    @property
    def voiced(self) -> np.ndarray:
        voiced: np.ndarray = np.isfinite(self.hz)
        return voiced

    @property
    def median_hz(self) -> float:
        v = self.hz[self.voiced]
        return float(np.median(v)) if len(v) else float("nan")

    def semitones(self) -> np.ndarray:
        """Relative to this speaker's median, so a low voice can match a high one."""
        return 12 * np.log2(self.hz / self.median_hz)

    def midi(self) -> np.ndarray:
        return 69 + 12 * np.log2(self.hz / 440.0)

    def at(self, times: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """Nearest-frame lookup; NaN outside the track."""
        values = self.hz if values is None else values
        idx = np.round(np.asarray(times) / self.hop).astype(int)
        out = np.full(idx.shape, np.nan)
        ok = (idx >= 0) & (idx < len(values))
        out[ok] = values[idx[ok]]
        return out

    def to_list(self) -> list[float | None]:
        return [None if not np.isfinite(v) else round(float(v), 1) for v in self.hz]

    @classmethod
    def from_list(cls, values: list[float | None], hop: float = HOP_SECONDS) -> PitchTrack:
        return cls(hz=np.array([np.nan if v is None else v for v in values], dtype=float), hop=hop)


def track_pitch(samples: np.ndarray, kind: str = "speech") -> PitchTrack:
    import parselmouth

    floor, ceiling = SONG_RANGE if kind == "song" else SPEECH_RANGE
    n_frames = int(np.ceil(len(samples) / (SAMPLE_RATE * HOP_SECONDS)))
    with _praat_lock:
        sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=SAMPLE_RATE)
        pitch = sound.to_pitch_ac(time_step=HOP_SECONDS, pitch_floor=floor, pitch_ceiling=ceiling)
        values = pitch.selected_array["frequency"]
        times = pitch.xs()
    hz = np.full(n_frames, np.nan)
    # Praat's frames are a uniform grid, often centred half a hop off ours (x1 = 0.025 s
    # for a clip of whole 10 ms). Rounding each time on its own then sends pairs of frames
    # to one slot (0.5 rounds to even) and leaves the next empty: a third of the pitch was
    # lost. The first frame decides the offset; the rest follow it one slot each.
    first = round(float(times[0]) / HOP_SECONDS) if len(times) else 0
    idx = first + np.arange(len(times))
    ok = (idx >= 0) & (idx < n_frames) & (values > 0)
    hz[idx[ok]] = values[ok]
    return PitchTrack(hz=hz)
