"""Decoding any upload to mono 16 kHz float32, loudness normalisation, clipping check."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import TooLongError, UndecodableAudioError

SAMPLE_RATE = 16_000
# Speech level we normalise to. -23 dBFS RMS over the loud frames leaves headroom
# for peaks and matches broadcast loudness practice (EBU R128 targets -23 LUFS).
TARGET_SPEECH_DBFS = -23.0
MAX_SECONDS_DEFAULT = float(os.environ.get("YOUSYNC_MAX_SECONDS", "30"))

AudioSource = str | os.PathLike[str] | bytes | BinaryIO


@dataclass
class Audio:
    samples: np.ndarray  # float32, mono, SAMPLE_RATE, loudness-normalised
    duration: float
    clipped: bool
    gain_db: float


def _read_bytes(source: AudioSource) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    return source.read()


def _decode_soundfile(data: bytes) -> tuple[np.ndarray, int] | None:
    import soundfile as sf

    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:  # noqa: BLE001 - any failure means 'not a soundfile format'
        return None
    return samples.mean(axis=1), rate


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return samples.astype(np.float32, copy=False)
    import soxr

    return np.asarray(soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ"), dtype=np.float32)


def _decode_av(data: bytes) -> tuple[np.ndarray, int]:
    import av

    try:
        container = av.open(io.BytesIO(data), mode="r")
    except Exception as exc:  # PyAV raises several error types for garbage input
        raise UndecodableAudioError(f"container not recognised: {exc}") from exc
    try:
        if not container.streams.audio:
            raise UndecodableAudioError("no audio stream")
        stream = container.streams.audio[0]
        # Keep the native rate here: clipping is only visible before resampling.
        rate = stream.codec_context.sample_rate or stream.rate or SAMPLE_RATE
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[np.ndarray] = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    except UndecodableAudioError:
        raise
    except Exception as exc:
        raise UndecodableAudioError(f"decoding failed: {exc}") from exc
    finally:
        container.close()
    if not chunks:
        raise UndecodableAudioError("no audio frames")
    return np.concatenate(chunks).astype(np.float32), rate


def frame_db(samples: np.ndarray, hop: int = 160, win: int = 400) -> np.ndarray:
    """Short-time level in dBFS, 10 ms hop: loudness contours and the normaliser use it."""
    if len(samples) < win:
        samples = np.pad(samples, (0, win - len(samples)))
    n = 1 + (len(samples) - win) // hop
    idx = np.arange(win)[None, :] + hop * np.arange(n)[:, None]
    power = np.mean(samples[idx].astype(np.float64) ** 2, axis=1)
    db: np.ndarray = (10 * np.log10(power + 1e-10)).astype(np.float32)
    return db


def normalise_loudness(samples: np.ndarray) -> tuple[np.ndarray, float]:
    """Scale so the speech level (loud frames) sits at TARGET_SPEECH_DBFS.

    The 90th percentile of frame levels tracks the speech level and ignores the
    silence before and after, which a whole-file RMS would not.
    """
    levels = frame_db(samples)
    speech_level = float(np.percentile(levels, 90))
    if speech_level < -90:  # digital silence: nothing to scale
        return samples, 0.0
    gain_db = TARGET_SPEECH_DBFS - speech_level
    out = samples * np.float32(10 ** (gain_db / 20))
    peak = float(np.max(np.abs(out))) if len(out) else 0.0
    if peak > 0.99:  # never create clipping by normalising
        out *= np.float32(0.99 / peak)
        gain_db -= 20 * np.log10(peak / 0.99)
    return out.astype(np.float32), gain_db


def detect_clipping(samples: np.ndarray) -> bool:
    """Clipped audio has runs of samples stuck at the same extreme value."""
    if not len(samples):
        return False
    peak = float(np.max(np.abs(samples)))
    if peak < 0.9:
        return False
    at_peak = np.abs(samples) >= peak * 0.999
    # Three or more consecutive samples at the peak, in more than 0.1 % of samples.
    runs = at_peak[:-2] & at_peak[1:-1] & at_peak[2:]
    return bool(runs.sum() > max(3, 0.001 * len(samples)))


def decode(source: AudioSource, max_seconds: float | None = None) -> Audio:
    """Any supported container/codec to normalised mono 16 kHz float32."""
    limit = MAX_SECONDS_DEFAULT if max_seconds is None else max_seconds
    try:
        data = _read_bytes(source)
    except OSError as exc:
        raise UndecodableAudioError(f"cannot read: {exc}") from exc
    if not data:
        raise UndecodableAudioError("empty file")
    # soundfile handles wav/flac/ogg quickly; PyAV handles everything browsers send.
    decoded = _decode_soundfile(data) or _decode_av(data)
    native, rate = decoded
    if not np.all(np.isfinite(native)):
        raise UndecodableAudioError("audio contains invalid values")
    clipped = detect_clipping(native)
    samples = _resample(native, rate)
    duration = len(samples) / SAMPLE_RATE
    if duration < 0.05:
        raise UndecodableAudioError("audio is empty")
    if duration > limit:
        raise TooLongError(
            f"{duration:.1f} s > {limit:.1f} s", duration_seconds=duration, limit_seconds=limit
        )
    normalised, gain = normalise_loudness(samples)
    return Audio(samples=normalised, duration=duration, clipped=clipped, gain_db=gain)
