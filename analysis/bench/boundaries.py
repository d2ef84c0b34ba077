"""Word boundaries with a known answer: pocketsphinx against the phoneme model.

Engine 2.0 keeps pocketsphinx for word timing only if it times words better than the
phoneme model's own best CTC path does. To know the true boundaries, each test line
is spliced together from words synthesised one at a time (espeak-ng, several voices),
trimmed to their sound and joined with pauses of 40-250 ms: every word's true start
and end are then known to the sample. Both aligners see the same audio and the same
words; the error is |found - true| for each word's start and end.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

import numpy as np

from analysis.engine import align, lexicon, phonemes, synth
from analysis.engine.audio import SAMPLE_RATE, frame_db
from analysis.engine.phone_analysis import analyse_phones

from .report import _load, machine

SENTENCES = (
    "Are you really going to leave me here all alone tonight?",
    "We have to find the key before the sun goes down.",
    "The weather was lovely so we walked along the river.",
    "Nobody told me the train would be this late again.",
)
VOICES = ("en-us+klatt2", "en-us", "en-gb", "en-us+f3")
# A word's sound: 10 ms frames within 35 dB of its loudest frame.
TRIM_DB = 35.0


@dataclass
class Errors:
    pocketsphinx: list[float]
    phoneme_model: list[float]


def _trim(samples: np.ndarray) -> np.ndarray:
    db = frame_db(samples)
    loud = np.flatnonzero(db > db.max() - TRIM_DB)
    hop = SAMPLE_RATE // 100
    return samples[loud[0] * hop : (loud[-1] + 1) * hop]


def spliced(text: str, voice: str, seed: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The line read word by word, with the true (start, end) of every word."""
    rng = np.random.default_rng(seed)
    pieces = [np.zeros(int(0.3 * SAMPLE_RATE), np.float32)]
    truth = []
    at = 0.3
    for word in text.split():
        sound = _trim(synth.speak(word.strip(",.?!"), voice))
        truth.append((at, at + len(sound) / SAMPLE_RATE))
        gap = np.zeros(int(rng.uniform(0.04, 0.25) * SAMPLE_RATE), np.float32)
        pieces += [sound, gap]
        at += (len(sound) + len(gap)) / SAMPLE_RATE
    pieces.append(np.zeros(int(0.3 * SAMPLE_RATE), np.float32))
    return np.concatenate(pieces), truth


def measure() -> Errors:
    errors = Errors([], [])
    for i, text in enumerate(SENTENCES):
        for j, voice in enumerate(VOICES):
            samples, truth = spliced(text, voice, seed=100 * i + j)
            words = lexicon.words_for(text)
            sphinx = align.align_words(samples, words).words
            ctc = analyse_phones(samples, phonemes.canonical(words, "en"), "en").words
            for (start, end), s, c in zip(truth, sphinx, ctc, strict=True):
                if s.present:
                    errors.pocketsphinx += [abs(s.start - start), abs(s.end - end)]
                if c.phones:
                    errors.phoneme_model += [abs(c.start - start), abs(c.end - end)]
    return errors


def _row(name: str, values: list[float], total: int) -> str:
    ms = sorted(1000 * v for v in values)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    within = sum(v <= 50 for v in ms) / total
    return (
        f"| {name} | {statistics.median(ms):.0f} | {p90:.0f} | {within:.0%} | "
        f"{len(values)}/{total} |"
    )


def render(errors: Errors) -> str:
    total = 2 * sum(len(t.split()) for t in SENTENCES) * len(VOICES)
    return "\n".join(
        [
            "## Word boundaries",
            "",
            f"`python -m analysis.bench`, {dt.date.today().isoformat()}, {machine()}, "
            f"load {_load()}. {len(SENTENCES)} lines x {len(VOICES)} espeak-ng voices, "
            "spliced from single words with known boundaries (analysis/bench/boundaries.py).",
            "",
            "| aligner | median error (ms) | p90 (ms) | within 50 ms | boundaries found |",
            "| --- | --- | --- | --- | --- |",
            _row("pocketsphinx state alignment (kept)", errors.pocketsphinx, total),
            _row("phoneme model, best CTC path", errors.phoneme_model, total),
            "",
        ]
    )
