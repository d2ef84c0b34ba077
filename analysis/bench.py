"""Benchmark of the scoring engine on synthetic pairs with known answers.

    python -m analysis.bench [--quick] [--pitch-trackers] [--output docs/benchmarks.md]

Builds reference/attempt pairs with espeak-ng (and flite when installed): a good take
(same text read by another voice) and degraded copies of it that are wrong in exactly
one known way. Reports, per dimension, how often the good take outscores the degraded
one; how much each degradation moves the other scores; and latency, real-time factor,
time per stage and peak memory. Writes the "## Scoring engine" section of
docs/benchmarks.md, keeping the file's other sections.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import statistics
import time
from pathlib import Path

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


def _span(samples: np.ndarray) -> float:
    """Seconds from the first to the last frame within 35 dB of the loudest."""
    from analysis.engine.audio import frame_db

    level = frame_db(samples)
    loud = np.flatnonzero(level > level.max() - 35)
    return (loud[-1] - loud[0]) * 0.01 if len(loud) else 0.0


def matched_rate(voice, text, reference: np.ndarray) -> float:
    """Speaking rate at which ``voice`` reads ``text`` as long as the reference does."""
    trial = _say(voice, text, 160)
    return 160 * _span(trial) / max(_span(reference), 0.1)


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


def latency_5s(repeats: int) -> list[float]:
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


def measure_pitch_trackers() -> list[tuple[str, str]]:
    """Gross error, fine error and speed of the candidate trackers on known contours."""
    from analysis.engine import pitch as pitch_mod

    def signal(seed):
        rng = np.random.default_rng(seed)
        t = np.arange(5 * SAMPLE_RATE) / SAMPLE_RATE
        melody = rng.uniform(-4, 4) * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t)
        f0 = 150 * 2 ** ((melody + 0.5 * np.sin(2 * np.pi * 5.5 * t)) / 12)
        phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
        x = sum(np.sin(k * phase) * 0.8**k for k in range(1, 15))
        voiced = (np.sin(2 * np.pi * 0.7 * t) > -0.3).astype(float)
        x = x * voiced
        x = x / np.abs(x).max() * 0.5
        x = x + rng.normal(0, 0.05 * np.std(x), len(x))  # 26 dB SNR
        return x.astype(np.float32), f0[::160], voiced[::160] > 0

    trackers = {"praat (parselmouth)": lambda x: pitch_mod.track_pitch(x).hz}
    try:
        import librosa

        def pyin(x):
            return librosa.pyin(
                x, fmin=60, fmax=600, sr=SAMPLE_RATE, frame_length=1024, hop_length=160
            )[0]

        trackers["pyin (librosa)"] = pyin
    except ImportError:
        pass
    try:
        import sys
        import types

        # torchcrepe imports torchaudio only to load files; we pass tensors.
        sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))
        import torch
        import torchcrepe

        def crepe(x):
            f, p = torchcrepe.predict(
                torch.from_numpy(x)[None],
                SAMPLE_RATE,
                160,
                60,
                600,
                "tiny",
                batch_size=512,
                device="cpu",
                return_periodicity=True,
            )
            f = f[0].numpy()
            f[p[0].numpy() < 0.21] = np.nan
            return f

        trackers["torchcrepe tiny"] = crepe
    except ImportError:
        pass
    rows = []
    for name, fn in trackers.items():
        gross, fine, times = [], [], []
        for seed in range(4):
            x, truth, voiced = signal(seed)
            started = time.perf_counter()
            est = np.asarray(fn(x), dtype=float)
            times.append(time.perf_counter() - started)
            n = min(len(est), len(truth))
            ok = voiced[:n] & np.isfinite(est[:n]) & (est[:n] > 0)
            ratio = est[:n][ok] / truth[:n][ok]
            gross.append(float(np.mean(np.abs(ratio - 1) > 0.2)))
            good = ratio[np.abs(ratio - 1) <= 0.2]
            fine.append(float(np.sqrt(np.mean((1200 * np.log2(good)) ** 2))))
        rows.append(
            (
                name,
                f"{100 * np.mean(gross):.1f} % | {np.mean(fine):.1f} cents | "
                f"{np.median(times[1:]):.3f} s | {times[0]:.2f} s",
            )
        )
    return rows


def _load() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores, {platform.system()} {platform.release()}"


def render(summary, latency, trackers, quick: bool, corpus: dict, took: float, engine_mb: float):
    times, take_seconds, cpu = latency
    lat = sorted(times)
    p95 = float(np.percentile(lat, 95))
    median = statistics.median(lat)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    voices = ", ".join(f"{r[1]} → {t[1]}" for r, t in corpus["pairs"])
    lines = [
        "## Scoring engine",
        "",
        f"Run: `python -m analysis.bench{' --quick' if quick else ''}` on "
        f"{dt.date.today().isoformat()}; machine: {_machine()}; device: {engine.models.device()}; "
        f"whole run {took:.0f} s.",
        "",
        f"Corpus: {len(corpus['rows'])} reference clips, voice pairs reference → learner: "
        f"{voices}. Each reference is compared with a good take (same text, another voice "
        "of the same synthesiser, read at the reference's pace) and with 10 degraded copies "
        "of that take. How the corpus is built and what it cannot show: docs/scoring.md.",
        "",
        "### (a) Does the good take beat the degraded one on the right dimension?",
        "",
        "| dimension | good > degraded | share | target |",
        "| --- | --- | --- | --- |",
    ]
    for d, (won, n) in summary["wins"].items():
        share = 100 * won / n if n else 0
        mark = "ok" if share >= 95 else "**below**"
        lines.append(f"| {d} | {won}/{n} | {share:.0f} % | ≥ 95 % ({mark}) |")
    lines += ["", "Per degradation:", "", "| degradation | dimension | good > degraded |"]
    lines.append("| --- | --- | --- |")
    for name, (won, n) in summary["per_degradation"].items():
        lines.append(f"| {name} | {TARGET[name]} | {won}/{n} |")
    lines += [
        "",
        "### (b) How far each degradation moves every score (mean of degraded − good)",
        "",
        "| degradation | " + " | ".join([*DIMENSIONS, "overall"]) + " |",
        "| --- " * 6 + "|",
    ]
    for name, moves in summary["movement"].items():
        cells = []
        for d in [*DIMENSIONS, "overall"]:
            v = moves[d]
            cell = f"{v:+.1f}"
            cells.append(f"**{cell}**" if TARGET.get(name) == d else cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    good = summary["good_mean"]
    lines += [
        "",
        "Mean scores of the good takes: "
        + ", ".join(f"{k} {v:.1f}" for k, v in good.items())
        + ".",
        "",
        "### (c) Speed and memory (warm process, cached reference analysis)",
        "",
        f"- Dedicated run, one {take_seconds:.1f} s take scored {len(lat)} times: "
        f"median **{median:.3f} s**, p95 **{p95:.3f} s** (target: median ≤ 1.0 s), "
        f"real-time factor {median / take_seconds:.3f}; CPU time per take: median "
        f"{statistics.median(cpu):.3f} s (wall time above includes waiting for the CPU "
        f"when other processes run; load average during the run: {_load()}).",
        f"- Over the whole corpus ({len(summary['latency_all'])} takes of 1.5–8 s): "
        f"median {statistics.median(summary['latency_all']):.3f} s, p95 "
        f"{np.percentile(summary['latency_all'], 95):.3f} s, median real-time factor "
        f"{statistics.median(summary['rtf']):.3f}; takes of 4–6 s: median "
        + (f"{statistics.median(summary['latency_5s']):.3f} s" if summary["latency_5s"] else "n/a")
        + ".",
        "- Median time per stage: "
        + ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in summary["stages"].items())
        + ".",
        f"- Peak resident memory: {engine_mb:.0f} MiB after `warm_up()` (Python, torch, "
        f"all models: what a worker holds); {peak_mb:.0f} MiB for the whole benchmark "
        "process (plus corpus and results).",
        "",
    ]
    if trackers:
        lines += [
            "### Pitch trackers (why Praat)",
            "",
            "Four 5 s harmonic signals with a known, moving f0 (±4 semitone melody, "
            "vibrato, unvoiced gaps, 26 dB SNR).",
            "",
            "| tracker | gross errors (>20 %) | fine error | time per 5 s | first call |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [f"| {name} | {row} |" for name, row in trackers]
        lines.append("")
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace only the '## Scoring engine' section, keeping everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Scoring engine\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section.rstrip() + "\n\n", text)
    else:
        text = text.rstrip() + "\n\n" + section.rstrip() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 voice pairs x 3 texts (~2 min)")
    parser.add_argument("--pitch-trackers", action="store_true", help="also compare trackers")
    parser.add_argument("--output", default="docs/benchmarks.md")
    args = parser.parse_args(argv)
    if not synth.espeak_available():
        parser.error("espeak-ng is required (apt-get install espeak-ng)")
    started = time.perf_counter()
    engine.warm_up()
    engine_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("building and scoring the corpus ...")
    corpus = run_corpus(args.quick)
    summary = summarise(corpus)
    latency = latency_5s(10 if args.quick else 30)
    trackers = measure_pitch_trackers() if args.pitch_trackers else []
    took = time.perf_counter() - started
    section = render(summary, latency, trackers, args.quick, corpus, took, engine_mb)
    write_section(Path(args.output), section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
