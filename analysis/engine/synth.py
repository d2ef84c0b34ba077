"""Synthetic speech with known answers, for tests, the benchmark and the demo song.

espeak-ng reads the text (several voices, rates and pitches); Praat, through
parselmouth, re-synthesises the pitch to flatten or invert the melody while keeping
the words and timing. Nothing here is used when scoring real takes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from .audio import SAMPLE_RATE


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def flite_available() -> bool:
    return shutil.which("flite") is not None


def speak(
    text: str, voice: str = "en-us", rate: int = 160, pitch: int = 50, engine: str = "espeak"
) -> np.ndarray:
    """Mono float32 at 16 kHz. engine 'flite' uses its voice names (slt, rms, awb, kal16)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        if engine == "flite":
            subprocess.run(
                [
                    "flite",
                    "-voice",
                    voice,
                    "--setf",
                    f"duration_stretch={160 / rate:.3f}",
                    "-t",
                    text,
                    "-o",
                    str(out),
                ],
                check=True,
                capture_output=True,
            )
        else:
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(out), text],
                check=True,
                capture_output=True,
            )
        samples, rate_hz = sf.read(out, dtype="float32")
    import soxr

    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    return np.asarray(soxr.resample(samples, rate_hz, SAMPLE_RATE), dtype=np.float32)


def pad(samples: np.ndarray, before: float = 0.3, after: float = 0.3) -> np.ndarray:
    return np.concatenate(
        [
            np.zeros(int(before * SAMPLE_RATE), np.float32),
            samples,
            np.zeros(int(after * SAMPLE_RATE), np.float32),
        ]
    )


def _manipulate(samples: np.ndarray, formula: str) -> np.ndarray:
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=SAMPLE_RATE)
    manipulation = call(sound, "To Manipulation", 0.01, 60, 600)
    tier = call(manipulation, "Extract pitch tier")
    pitch = sound.to_pitch_ac(time_step=0.01, pitch_floor=60, pitch_ceiling=600)
    f0 = pitch.selected_array["frequency"]
    median = float(np.median(f0[f0 > 0])) if np.any(f0 > 0) else 120.0
    call(tier, "Formula", formula.replace("MEDIAN", f"{median:.3f}"))
    call([tier, manipulation], "Replace pitch tier")
    out = call(manipulation, "Get resynthesis (overlap-add)")
    return np.asarray(out.values[0], dtype=np.float32)


def shift_pitch(samples: np.ndarray, semitones: float) -> np.ndarray:
    """The same voice speaking higher or lower: every pitch point moved, formants kept."""
    return _manipulate(samples, f"self * {2 ** (semitones / 12):.6f}")


def flatten_pitch(samples: np.ndarray) -> np.ndarray:
    """Monotone: every pitch point set to the speaker's median."""
    return _manipulate(samples, "MEDIAN")


def invert_pitch(samples: np.ndarray) -> np.ndarray:
    """Mirror the melody around the median (in log frequency): rises become falls."""
    return _manipulate(samples, "MEDIAN * MEDIAN / self")


def exaggerate_pitch(samples: np.ndarray, factor: float = 2.0) -> np.ndarray:
    """Stretch pitch excursions around the median (in semitones) by ``factor``."""
    return _manipulate(samples, f"MEDIAN * (self / MEDIAN) ^ {factor}")


def midi_hz(midi: float) -> float:
    return float(440.0 * 2 ** ((midi - 69) / 12))


def sung_tones(
    notes: list[tuple[float, float]], gap: float = 0.05, vibrato_st: float = 0.0
) -> np.ndarray:
    """A voice-like harmonic tone per (MIDI note, seconds), a short gap after each, padded
    with 0.3 s of silence. ``vibrato_st``: depth of a 5.5 Hz vibrato, semitones."""
    parts = [np.zeros(int(0.3 * SAMPLE_RATE), np.float32)]
    for midi, seconds in notes:
        t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
        f0 = midi_hz(midi) * 2 ** (vibrato_st / 12 * np.sin(2 * np.pi * 5.5 * t))
        phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
        tone = sum(np.sin(k * phase) / k for k in range(1, 8))
        fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.02)  # 20 ms, no clicks
        parts += [
            (0.2 * tone * fade).astype(np.float32),
            np.zeros(int(gap * SAMPLE_RATE), np.float32),
        ]
    parts.append(np.zeros(int(0.3 * SAMPLE_RATE), np.float32))
    return np.concatenate(parts)


def sing(
    samples: np.ndarray, notes: list[tuple[float, float, float]], stretch: float = 1.0
) -> np.ndarray:
    """The recording's words on a melody: each (start s, end s, MIDI note) held flat,
    formants and timing kept (Praat's PSOLA); between notes the pitch glides.
    ``stretch``: the whole recording made this many times longer, pitch and formants
    kept (a spoken syllable drawn out to the length of its note)."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(samples.astype(np.float64), sampling_frequency=SAMPLE_RATE)
    manipulation = call(sound, "To Manipulation", 0.01, 60, 600)
    tier = call("Create PitchTier", "melody", 0.0, sound.duration)
    for start, end, midi in notes:
        edge = min(0.01, (end - start) / 4)  # two points per note: a flat, held pitch
        call(tier, "Add point", start + edge, midi_hz(midi))
        call(tier, "Add point", end - edge, midi_hz(midi))
    call([tier, manipulation], "Replace pitch tier")
    if stretch != 1.0:
        durations = call("Create DurationTier", "tempo", 0.0, sound.duration)
        call(durations, "Add point", 0.0, stretch)
        call([durations, manipulation], "Replace duration tier")
    out = call(manipulation, "Get resynthesis (overlap-add)")
    return np.asarray(out.values[0], dtype=np.float32)


def add_noise(samples: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    power = float(np.mean(samples**2))
    noise = rng.standard_normal(len(samples)) * np.sqrt(power / 10 ** (snr_db / 10))
    noisy: np.ndarray = (samples + noise).astype(np.float32)
    return noisy


def to_wav_bytes(samples: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    sf.write(buf, samples, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buf.getvalue()
