"""Rendering the results as the "## Scoring engine" section of docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import resource
import statistics
from pathlib import Path

import numpy as np

from analysis import engine

from .corpus import DIMENSIONS, TARGET


def _load() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> str:
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
        f"{dt.date.today().isoformat()}; machine: {machine()}; device: {engine.models.device()}; "
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
    """Replace only the `## ` section that `section` starts with (its first line), up to
    the next `## ` heading, keeping everything else; append it when missing."""
    heading = section.split("\n", 1)[0]
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section.rstrip() + "\n\n", text)
    else:
        text = text.rstrip() + "\n\n" + section.rstrip() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip() + "\n", encoding="utf-8")
