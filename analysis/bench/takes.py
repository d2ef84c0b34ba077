"""The validation corpus's audio: voices reading lines, the known faults applied.

Generated deterministically into a cache directory (``var/eval-cache``, git-ignored),
each file named by a hash of everything that went into it, so a rerun only scores.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from analysis.engine import synth
from analysis.engine.audio import SAMPLE_RATE

from .corpus import speech_span
from .validation import (
    INSERTED_WORDS,
    KOREAN_ACTOR,
    KOREAN_SENTENCES,
    KOREAN_VOICES,
    SUBSTITUTIONS_PER_TAKE,
    Line,
    Recording,
    Split,
    Take,
    Voice,
    choose_substitutions,
    content_word,
    insert_word,
    omit_word,
    seeded_order,
    with_phonemes,
)

DELAY_SECONDS = 1.0
# Bumped whenever the way audio is made changes, so old cached files are not reused.
CACHE_VERSION = 2
# Pitch shifts and resynthesis can overshoot full scale; 16-bit files would clip there.
PEAK = 0.95


def _festival(text: str) -> np.ndarray:
    import soxr

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        subprocess.run(
            ["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", str(out)],
            input=text.encode(),
            check=True,
            capture_output=True,
        )
        samples, rate = sf.read(out, dtype="float32")
    return soxr.resample(samples, rate, SAMPLE_RATE).astype(np.float32)


def sox(samples: np.ndarray, *effect: str) -> np.ndarray:
    """Run a sox effect chain (no dither, so the output is the same every run)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        sf.write(src, samples, SAMPLE_RATE, subtype="FLOAT")
        subprocess.run(
            ["sox", "-D", str(src), "-e", "floating-point", str(dst), *effect],
            check=True,
            capture_output=True,
        )
        out, _ = sf.read(dst, dtype="float32")
    return out


def say(voice: Voice, text: str, rate: float = 160) -> np.ndarray:
    """``voice`` reading ``text`` at ``rate`` (espeak words per minute; 160 = normal)."""
    if voice.engine == "festival":
        samples = _festival(text)
        if abs(rate - 160) > 1:  # festival's HTS voice ignores duration settings
            samples = sox(samples, "tempo", "-s", f"{rate / 160:.4f}")
        return synth.pad(samples)
    return synth.pad(synth.speak(text, voice.name, round(rate), voice.pitch, engine=voice.engine))


def load_recording(recording: Recording) -> np.ndarray:
    if recording.raw:
        pcm = np.frombuffer(recording.path.read_bytes(), dtype="<i2")
        return (pcm / 32768.0).astype(np.float32)
    samples, rate = sf.read(recording.path, dtype="float32")
    assert rate == SAMPLE_RATE, recording.path
    return samples


class AudioCache:
    """Generated audio under ``root``, keyed by a hash of what made it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def get(self, recipe: tuple, make: Callable[[], np.ndarray]) -> tuple[Path, np.ndarray]:
        key = json.dumps([CACHE_VERSION, *recipe]).encode()
        digest = hashlib.sha1(key, usedforsecurity=False).hexdigest()
        path = self.root / f"{digest[:20]}.wav"
        if path.exists():
            samples, _ = sf.read(path, dtype="float32")
        else:
            samples = np.asarray(make(), dtype=np.float32)
            peak = float(np.abs(samples).max(initial=0.0))
            if peak > PEAK:
                samples *= PEAK / peak
            tmp = path.with_suffix(".tmp.wav")
            sf.write(tmp, samples, SAMPLE_RATE, subtype="PCM_16")
            tmp.replace(path)
            samples, _ = sf.read(path, dtype="float32")  # as scored: 16-bit
        return path, samples

    def voice(self, voice: Voice, text: str, rate: float) -> tuple[Path, np.ndarray]:
        return self.get(_said(voice, text, rate), lambda: say(voice, text, rate))


def _said(voice: Voice, text: str, rate: float) -> tuple:
    return ("say", voice.label, voice.pitch, text, round(rate, 1))


def matched_rate(cache: AudioCache, voice: Voice, text: str, target_span: float) -> float:
    """The rate at which ``voice`` reads ``text`` in ``target_span`` seconds."""
    _, trial = cache.voice(voice, text, 160)
    return float(np.clip(160 * speech_span(trial) / max(target_span, 0.1), 80, 320))


DERIVED: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tempo_0.8": lambda s: sox(s, "tempo", "-s", "0.8"),
    "tempo_1.25": lambda s: sox(s, "tempo", "-s", "1.25"),
    "delay": lambda s: np.concatenate([np.zeros(int(DELAY_SECONDS * SAMPLE_RATE), np.float32), s]),
    "pitch_+3st": lambda s: synth.shift_pitch(s, 3.0),
    "pitch_-3st": lambda s: synth.shift_pitch(s, -3.0),
    "voice_+300c": lambda s: sox(s, "pitch", "300"),
    "voice_-300c": lambda s: sox(s, "pitch", "-300"),
    "flat_pitch": synth.flatten_pitch,
    "inverted_pitch": synth.invert_pitch,
}


def _derived_takes(cache: AudioCache, recipe: tuple, samples: np.ndarray, take: Take) -> list[Take]:
    out = []
    for kind, change in DERIVED.items():
        path, _ = cache.get((*recipe, kind), lambda change=change: change(samples))
        out.append(Take(f"{take.key}/{kind}", take.voice, kind, path, take.text, base=take.key))
    return out


def _voice_takes(cache: AudioCache, voice: Voice, text: str, rate: float, n_subs: int):
    key = f"{voice.label}|{text}"
    recipe = _said(voice, text, rate)
    path, samples = cache.voice(voice, text, rate)
    correct = Take(key, voice.label, "correct", path, text)
    takes = [correct, *_derived_takes(cache, recipe, samples, correct)]
    gone = content_word(text, "omit")
    said = omit_word(text, gone)
    path, _ = cache.voice(voice, said, rate)
    takes.append(Take(f"{key}/omission", voice.label, "omission", path, said, gone, base=key))
    at = content_word(text, "insert")
    extra = seeded_order(list(INSERTED_WORDS), f"insert|{voice.label}|{text}")[0]
    said = insert_word(text, at, extra)
    path, _ = cache.voice(voice, said, rate)
    takes.append(Take(f"{key}/insertion", voice.label, "insertion", path, said, at, base=key))
    if voice.engine != "espeak":
        return takes
    for index, original, changed, label in choose_substitutions(voice.name, text, n_subs):
        control_key = f"{key}/control/{index}"
        said = with_phonemes(text, index, original)
        path, _ = cache.voice(voice, said, rate)
        takes.append(Take(control_key, voice.label, "control", path, said, index))
        said = with_phonemes(text, index, changed)
        path, _ = cache.voice(voice, said, rate)
        takes.append(
            Take(
                f"{key}/substitution/{index}",
                voice.label,
                "substitution",
                path,
                said,
                index,
                label,
                base=control_key,
            )
        )
    return takes


def build_split(split: Split, cache: AudioCache, quick: bool = False) -> list[Line]:
    """Every line of ``split`` with its actor clip and takes (audio made on first use)."""
    sentences = split.sentences[:2] if quick else split.sentences
    voices = split.voices[:3] if quick else split.voices
    recordings = split.recordings[:1] if quick else split.recordings
    n_subs = 2 if quick else SUBSTITUTIONS_PER_TAKE
    lines = []
    for text in sentences:
        actor_path, actor = cache.voice(split.actor, text, 160)
        line = Line(split.name, text, split.actor.label, actor_path)
        span = speech_span(actor)
        for voice in voices:
            rate = matched_rate(cache, voice, text, span)
            line.takes += _voice_takes(cache, voice, text, rate, n_subs)
        lines.append(line)
    for rec in recordings:
        samples = load_recording(rec)
        # The actor reads the person's transcript at the person's pace.
        rate = matched_rate(cache, split.actor, rec.text, speech_span(samples))
        actor_path, _ = cache.voice(split.actor, rec.text, rate)
        line = Line(split.name, rec.text, split.actor.label, actor_path)
        recipe = ("recording", str(rec.path))
        path, samples = cache.get(recipe, lambda samples=samples: samples)
        label = f"person:{rec.speaker}"
        correct = Take(f"{label}|{rec.path.name}", label, "correct", path, rec.text)
        line.takes += [correct, *_derived_takes(cache, recipe, samples, correct)]
        lines.append(line)
    return lines


def build_korean(cache: AudioCache, quick: bool = False) -> list[Line]:
    """Correct Korean takes (espeak-ng's Korean voice variants), scored with language 'ko'."""
    lines = []
    for text in KOREAN_SENTENCES[:2] if quick else KOREAN_SENTENCES:
        actor_path, actor = cache.voice(KOREAN_ACTOR, text, 160)
        line = Line("korean", text, KOREAN_ACTOR.label, actor_path, language="ko")
        for voice in KOREAN_VOICES:
            rate = matched_rate(cache, voice, text, speech_span(actor))
            path, _ = cache.voice(voice, text, rate)
            line.takes.append(Take(f"{voice.label}|{text}", voice.label, "correct", path, text))
        lines.append(line)
    return lines
