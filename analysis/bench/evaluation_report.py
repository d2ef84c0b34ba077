"""The evaluation as the "## Scoring engine evaluation" section of docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
from typing import Any

from analysis import engine

from .evaluation import SCORES, korean_target, targets
from .metrics import fmt
from .report import machine
from .validation import DEGRADATIONS

HEADING = "## Scoring engine evaluation"


def engine_revision() -> str:
    """The commit the engine was run at, marked when analysis/engine had local changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "analysis/engine"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {head}" + (" with local engine changes" if dirty else "")


def _spread_table(spreads: dict, title: str) -> list[str]:
    lines = [f"| {title} | n | median | p10 | p90 |", "| --- | --- | --- | --- | --- |"]
    for d in SCORES:
        s = spreads[d]
        lines.append(f"| {d} | {s.n} | {fmt(s.median)} | {fmt(s.p10)} | {fmt(s.p90)} |")
    return lines


def _share(pair: tuple[int, int]) -> str:
    k, n = pair
    return f"{k}/{n} ({100 * k / n:.1f} %)" if n else "n/a"


def render_part(name: str, s: dict[str, Any]) -> list[str]:
    det = s["detection"]
    out = [
        f"### {name}",
        "",
        f"{s['lines']} lines, {s['takes']} scored takes; actor {', '.join(s['actors'])}; "
        f"learner voices {', '.join(s['voices'])}."
        + (
            f" **{len(s['errors'])} takes raised an error** (first: {s['errors'][0]})."
            if s["errors"]
            else ""
        ),
        "",
        "Correct takes by voices other than the actor's:",
        "",
        *_spread_table(s["correct"], "score"),
        "",
    ]
    flagged = f"Words flagged (status not 'ok') in correct takes: {_share(s['correct_flagged'])}"
    if s["people"]["pronunciation"].n:
        p = s["people"]["pronunciation"]
        flagged += (
            f"; real people alone: pronunciation median {fmt(p.median)} (p10 {fmt(p.p10)}, "
            f"p90 {fmt(p.p90)}, n {p.n}), words flagged {_share(s['people_flagged'])}"
        )
    out += [
        flagged + ".",
        "",
        "Actor's clip against itself (median / lowest): "
        + ", ".join(
            f"{d} {fmt(s['actor_self'][d].median)} / {fmt(s['actor_self_min'][d])}" for d in SCORES
        )
        + f"; words flagged {_share(s['actor_flagged'])}.",
        "",
        f"Substitutions (one phone of one word, {det.tp + det.fn} takes): precision "
        f"**{fmt(det.precision, 2)}**, recall **{fmt(det.recall, 2)}**, F1 {fmt(det.f1, 2)} "
        f"(tp {det.tp}, fp {det.fp}, fn {det.fn}, tn {det.tn}). The same word spoken from "
        f"its unchanged phonemes (control) flagged in {_share(s['control_false_alarms'])}; "
        f"the left-out word of omission takes marked 'omitted' in {_share(s['omission_found'])}.",
        "",
        "Changed word flagged, per confusion: "
        + ", ".join(f"{c} {k}/{n}" for c, (k, n) in s["by_confusion"].items())
        + ".",
        "",
        "Ranking (correct take scores higher than its degraded copy on the targeted dimension):",
        "",
        "| degradation | dimension | correct > degraded |",
        "| --- | --- | --- |",
    ]
    for (kind, d), pair in s["ranking_by_kind"].items():
        out.append(f"| {kind} | {d} | {_share(pair)} |")
    out.append(
        "| **all** | "
        + "; ".join(f"{d} {_share(pair)}" for d, pair in s["ranking"].items())
        + " | |"
    )
    out += [
        "",
        "Off-dimension moves, |degraded − correct| median / max (targeted dimensions left blank):",
        "",
        "| degradation | " + " | ".join(SCORES) + " |",
        "| --- " * (len(SCORES) + 1) + "|",
    ]
    for kind in DEGRADATIONS:
        cells = []
        for d in SCORES:
            m = s["moves"].get((kind, d))
            cells.append(f"{fmt(m.median)} / {fmt(m.max)}" if m else "")
        out.append(f"| {kind} | " + " | ".join(cells) + " |")
    examples = [(k, v) for k, v in s["examples"].items() if v]
    if examples:
        out += ["", "Examples (first few):", ""]
        out += [f"- {kind}: " + "; ".join(items) for kind, items in examples]
    out += ["", "Targets:", ""]
    for target, met, measured in targets(s):
        out.append(f"- {'PASS' if met else 'FAIL'}: {target}: {measured}")
    out.append("")
    return out


def render(
    parts: dict[str, dict[str, Any]],
    korean: dict[str, Any] | None,
    speechocean: dict[str, Any] | None,
    latency: tuple[list[float], float, list[float]],
    peak_mb: float,
    command: str,
    took: float,
) -> str:
    times, take_seconds, _cpu = latency
    ref_latency = [p["reference_latency"] for p in parts.values()]
    out = [
        HEADING,
        "",
        f"Run: `{command}` on {dt.date.today().isoformat()}; machine: {machine()}; device: "
        f"{engine.models.device()}; engine {engine.ENGINE_VERSION} ({engine_revision()}); "
        f"whole run {took:.0f} s.",
        "",
        "Corpus (analysis/bench/validation.py): the development and held-out parts have "
        "different sentences and different voices (espeak-ng, flite, festival; real people "
        "from pocketsphinx's test recordings reading their own transcripts). Takes: correct "
        "readings and copies wrong in one known way (one phone of one word swapped for a "
        "Korean learner's confusion, a word left out or added, tempo ×0.8/×1.25, 1 s late, "
        "pitch ±3 semitones (Praat, formants kept), sox pitch ±300 cents (formants moved "
        "too: another voice, no target), flattened or inverted melody).",
        "",
    ]
    for name, summary in parts.items():
        out += render_part(name, summary)
    out += ["### Korean", ""]
    if korean is None:
        out.append("Not run: this engine's `assess` has no `language` keyword yet.")
    else:
        p = korean["pronunciation"]
        out.append(
            f"{korean['takes']} correct takes (espeak-ng Korean voice variants, language "
            f"'ko'): pronunciation median {fmt(p.median)}, lowest {fmt(korean['minimum'])}; "
            f"words omitted {korean['omitted']}; words flagged {_share(korean['flagged'])}."
        )
        if korean["errors"]:
            out.append(f" Errors: {korean['errors'][0]}.")
    name, met, measured = korean_target(korean)
    out += ["", f"- {'PASS' if met else 'FAIL'}: {name}: {measured}", ""]
    out += ["### Speed and memory", ""]
    out.append(
        f"- Warm assess of a {take_seconds:.1f} s take, cached reference: median "
        f"**{statistics.median(times):.3f} s** over {len(times)} runs; reference analysis "
        f"(per line): median {', '.join(f'{v:.3f} s' for v in ref_latency)} "
        f"({', '.join(parts)}); peak resident memory {peak_mb:.0f} MiB."
    )
    out.append("")
    if speechocean is not None:
        out += render_speechocean(speechocean)
    return "\n".join(out)


def render_speechocean(so: dict[str, Any]) -> list[str]:
    out = [
        "### speechocean762",
        "",
        f"{so['utterances']} utterances of `{so['root']}` ({so['split']} split; "
        f"{so['skipped']} could not be scored); reference: {so['reference']} reading the "
        "text (the corpus has no actor). Pearson correlation with the mean of the human "
        "scores:",
        "",
        "| level | ours | human | pairs | PCC |",
        "| --- | --- | --- | --- | --- |",
    ]
    for level, ours, human, n, r in so["rows"]:
        out.append(f"| {level} | {ours} | {human} | {n} | {fmt(r, 3)} |")
    out.append("")
    return out
