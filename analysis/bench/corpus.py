"""The synthetic corpus: reference clips, good takes and degraded copies, scored."""

from __future__ import annotations

import time

import numpy as np

from analysis import engine
from analysis.engine import synth
from analysis.engine.audio import SAMPLE_RATE

TEXTS = [
    "Are you really going to leave me here all alone tonight?",
    "I never said she stole my money, but somebody did.",
    "Get out of my house and never come back here again!",
    "We have to find the key before the sun goes down.",
    "Why would anyone want to live on a boat in winter?",
    "That was the best birthday party I have ever been to.",
]
# (wrong words, missing words, extra words) variants of each text.
WRONG = {
    0: "Are you really going to take me there all alone tonight?",
    1: "I never said he took my money, but somebody did.",
    2: "Get out of my car and never come back here again!",
    3: "We have to find the door before the moon goes down.",
    4: "Why would anyone want to sleep on a boat in summer?",
    5: "That was the worst wedding party I have ever been to.",
}
MISSING = {
    0: "Are you really going to leave me tonight?",
    1: "I never said she stole my money.",
    2: "Get out of my house and never come back!",
    3: "We have to find the key before the sun.",
    4: "Why would anyone live on a boat?",
    5: "That was the best party I have ever been to.",
}
EXTRA = {
    0: "Are you really really going to leave me here all alone tonight my friend?",
    1: "I never ever said she stole my money, but somebody surely did.",
    2: "Get out of my big house right now and never come back here again!",
    3: "We really have to find the old key before the sun goes down.",
    4: "Tell me why would anyone want to live on a boat in the winter?",
    5: "That was truly the best birthday party I have ever been to in my life.",
}
# (engine, voice, pitch) pairs: the reference voice and the "learner" voice. Pairs stay
# within one synthesiser: espeak-ng's voices share one intonation model, and flite's
# clustergen voices (slt, rms, awb) share one way of building prosody, so the good take
# really has the same delivery. Across synthesisers the melodies are unrelated and a
# "good" take has no known intonation answer (see docs/scoring.md).
ESPEAK_PAIRS = [
    (("espeak", "en-us+klatt4", 50), ("espeak", "en-us+klatt2", 35)),
    (("espeak", "en-us+klatt2", 35), ("espeak", "en-us+klatt", 65)),
    (("espeak", "en-us+klatt", 65), ("espeak", "en-us+klatt4", 50)),
]
FLITE_PAIRS = [
    (("flite", "slt", 50), ("flite", "rms", 50)),
    (("flite", "rms", 50), ("flite", "awb", 50)),
    (("flite", "awb", 50), ("flite", "slt", 50)),
]
DIMENSIONS = ["pronunciation", "intonation", "timing", "emotion"]
# degradation -> the dimension it must lower
TARGET = {
    "wrong_words": "pronunciation",
    "missing_words": "pronunciation",
    "extra_words": "pronunciation",
    "flat_pitch": "intonation",
    "inverted_pitch": "intonation",
    "too_slow": "timing",
    "too_fast": "timing",
    "late_start": "timing",
    "monotone": "emotion",
    "noise_10db": None,  # robustness: should move nothing much
}


def _pairs(quick: bool):
    pairs = list(ESPEAK_PAIRS)
    if synth.flite_available():
        pairs += FLITE_PAIRS
    return pairs[:3] if quick else pairs


def _say(voice, text, rate=160):
    eng, name, pitch = voice
    return synth.pad(synth.speak(text, name, rate, pitch, engine=eng))


def speech_span(samples: np.ndarray) -> float:
    """Seconds from the first to the last frame within 35 dB of the loudest."""
    from analysis.engine.audio import frame_db

    level = frame_db(samples)
    loud = np.flatnonzero(level > level.max() - 35)
    return (loud[-1] - loud[0]) * 0.01 if len(loud) else 0.0


def matched_rate(voice, text, reference: np.ndarray) -> float:
    """Speaking rate at which ``voice`` reads ``text`` as long as the reference does."""
    trial = _say(voice, text, 160)
    return 160 * speech_span(trial) / max(speech_span(reference), 0.1)


def _compress(samples: np.ndarray) -> np.ndarray:
    """Flatten loudness: divide by a smoothed envelope (a monotone, "bored" reading)."""
    env = np.sqrt(np.convolve(samples**2, np.ones(1600) / 1600, mode="same")) + 1e-3
    return (samples / env * 0.05).astype(np.float32)


def build_takes(voice, index: int, text: str, rate: float) -> dict[str, np.ndarray]:
    good = _say(voice, text, rate)
    return {
        "good": good,
        "wrong_words": _say(voice, WRONG[index], rate),
        "missing_words": _say(voice, MISSING[index], rate),
        "extra_words": _say(voice, EXTRA[index], rate),
        "flat_pitch": synth.flatten_pitch(good),
        "inverted_pitch": synth.invert_pitch(good),
        "too_slow": _say(voice, text, rate / 1.5),
        "too_fast": _say(voice, text, rate * 1.5),
        "late_start": np.concatenate([np.zeros(int(0.8 * SAMPLE_RATE), np.float32), good]),
        "monotone": _compress(synth.flatten_pitch(good)),
        "noise_10db": synth.add_noise(good, 10.0, seed=index),
    }


def run_corpus(quick: bool) -> dict:
    pairs = _pairs(quick)
    texts = TEXTS[:3] if quick else TEXTS
    rows = []
    latencies = []
    stage_totals: dict[str, list[float]] = {}
    for ref_voice, take_voice in pairs:
        for ti, text in enumerate(texts):
            ref_samples = _say(ref_voice, text)
            cached = engine.analyse_reference(synth.to_wav_bytes(ref_samples), text)
            # Same delivery: the learner voice reads at the pace of the reference.
            rate = round(matched_rate(take_voice, text, ref_samples))
            takes = build_takes(take_voice, TEXTS.index(text), text, rate)
            scores = {}
            for name, samples in takes.items():
                started = time.perf_counter()
                result = engine.assess(
                    None, synth.to_wav_bytes(samples), text, reference_analysis=cached
                )
                took = time.perf_counter() - started
                scores[name] = result.scores
                latencies.append((len(samples) / SAMPLE_RATE, took))
                for stage, seconds in result.stage_seconds.items():
                    stage_totals.setdefault(stage, []).append(seconds)
            rows.append({"ref": ref_voice[1], "take": take_voice[1], "text": ti, "scores": scores})
            print(f"  {ref_voice[1]} -> {take_voice[1]} text {ti}: good {scores['good']}")
    return {"rows": rows, "latencies": latencies, "stages": stage_totals, "pairs": pairs}


def summarise(corpus: dict) -> dict:
    rows = corpus["rows"]
    wins: dict[str, list[bool]] = {d: [] for d in DIMENSIONS}
    per_degradation: dict[str, list[bool]] = {}
    movement: dict[str, dict[str, list[float]]] = {}
    for row in rows:
        good = row["scores"]["good"]
        for name, target in TARGET.items():
            bad = row["scores"][name]
            if target:
                won = good[target] > bad[target]
                wins[target].append(won)
                per_degradation.setdefault(name, []).append(won)
            movement.setdefault(name, {})
            for d in [*DIMENSIONS, "overall"]:
                movement[name].setdefault(d, []).append(bad[d] - good[d])
    lat = [took for dur, took in corpus["latencies"] if 4.0 <= dur <= 6.0]
    rtf = [took / dur for dur, took in corpus["latencies"]]
    all_lat = [took for _, took in corpus["latencies"]]
    return {
        "wins": {d: (sum(v), len(v)) for d, v in wins.items()},
        "per_degradation": {k: (sum(v), len(v)) for k, v in per_degradation.items()},
        "movement": {k: {d: float(np.mean(v)) for d, v in m.items()} for k, m in movement.items()},
        "latency_5s": lat,
        "latency_all": all_lat,
        "rtf": rtf,
        "stages": {k: float(np.median(v)) for k, v in corpus["stages"].items()},
        "good_mean": {
            d: float(np.mean([r["scores"]["good"][d] for r in rows]))
            for d in [*DIMENSIONS, "overall"]
        },
    }


def latency_5s(repeats: int) -> tuple[list[float], float, list[float]]:
    """Dedicated timing: a ~5 s take, warm process, cached reference."""
    text = "I told you a hundred times that I would never go back to that house again."
    voice = ("espeak", "en-us+klatt4", 50)
    ref = synth.to_wav_bytes(_say(voice, text, rate=150))
    cached = engine.analyse_reference(ref, text)
    take = synth.to_wav_bytes(_say(("espeak", "en-us+klatt2", 40), text, rate=150))
    times, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        engine.assess(None, take, text, reference_analysis=cached)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    seconds = len(synth.speak(text, "en-us+klatt2", 150, 40)) / SAMPLE_RATE + 0.6
    return times, seconds, cpu
