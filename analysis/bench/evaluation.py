"""Scoring the validation corpus with the engine and summarising it per part."""

from __future__ import annotations

import inspect
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analysis import engine

from . import metrics
from .corpus import DIMENSIONS
from .validation import DEGRADATIONS, WORDS_KEPT, Line, Take

SCORES = [*DIMENSIONS, "overall"]


@dataclass
class Scored:
    """One take (or the actor's own clip) as the engine scored it."""

    line: Line
    take: Take | None  # None: the actor's clip against itself
    scores: dict[str, float | None] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=list)  # per word of the line, by index
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Run:
    scored: list[Scored] = field(default_factory=list)
    reference_seconds: list[float] = field(default_factory=list)


def engine_takes_language() -> bool:
    """Whether this engine has the ``language`` keyword (Korean needs it)."""
    return "language" in inspect.signature(engine.assess).parameters


def _language(line: Line) -> dict[str, Any]:
    return {"language": line.language} if line.language else {}


def _scored(line: Line, take: Take | None, audio, reference: dict) -> Scored:
    started = time.perf_counter()
    try:
        result = engine.assess(
            None, str(audio), line.text, reference_analysis=reference, **_language(line)
        )
    except engine.EngineError as exc:
        return Scored(line, take, error=f"{type(exc).__name__}: {exc}")
    took = time.perf_counter() - started
    words = [w for w in result.detailed_feedback["words"] if w.get("index") is not None]
    words.sort(key=lambda w: w["index"])
    return Scored(line, take, dict(result.scores), [w["status"] for w in words], seconds=took)


def _print(message: str) -> None:
    print(message, flush=True)


def score_lines(lines: list[Line], progress: Callable[[str], None] = _print) -> Run:
    run = Run()
    for line in lines:
        started = time.perf_counter()
        reference = engine.analyse_reference(str(line.actor_audio), line.text, **_language(line))
        run.reference_seconds.append(time.perf_counter() - started)
        run.scored.append(_scored(line, None, line.actor_audio, reference))
        for take in line.takes:
            run.scored.append(_scored(line, take, take.audio, reference))
        correct = [s for s in run.scored[-len(line.takes) :] if s.take.kind == "correct"]
        prons = [s.scores.get("pronunciation") for s in correct if not s.error]
        progress(
            f"  [{line.split}] {line.text[:48]!r}: {len(line.takes)} takes, correct "
            f"pronunciation {', '.join(metrics.fmt(p, 0) for p in prons)}"
        )
    return run


def _pairs(scored: list[Scored], kinds, dimension: str) -> list[tuple[float, float]]:
    by_key = {s.take.key: s for s in scored if s.take and not s.error}
    out = []
    for s in scored:
        if s.take is None or s.error or s.take.kind not in kinds or s.take.base not in by_key:
            continue
        a, b = by_key[s.take.base].scores.get(dimension), s.scores.get(dimension)
        if a is not None and b is not None:
            out.append((a, b))
    return out


def summarise(run: Run) -> dict[str, Any]:
    """The metrics of one part of the corpus (or of Korean lines)."""
    ok = [s for s in run.scored if not s.error]
    correct = [s for s in ok if s.take and s.take.kind == "correct"]
    people = [s for s in correct if s.take.voice.startswith("person:")]
    actor = [s for s in ok if s.take is None]
    subs = [s for s in ok if s.take and s.take.kind == "substitution"]
    controls = [s for s in ok if s.take and s.take.kind == "control"]
    omissions = [s for s in ok if s.take and s.take.kind == "omission"]
    ranks = dict.fromkeys(DIMENSIONS, (0, 0))
    per_kind = {}
    for kind, dims in DEGRADATIONS.items():
        for d in dims:
            won, n = metrics.ranking(_pairs(ok, (kind,), d))
            per_kind[(kind, d)] = (won, n)
            ranks[d] = (ranks[d][0] + won, ranks[d][1] + n)
    moves = {
        (kind, d): metrics.move(_pairs(ok, (kind,), d))
        for kind in DEGRADATIONS
        for d in SCORES
        if d not in DEGRADATIONS[kind]
    }
    return {
        "takes": len(run.scored),
        "errors": [
            (s.take.key if s.take else f"actor|{s.line.text}", s.error)
            for s in run.scored
            if s.error
        ],
        "correct": {d: metrics.spread(s.scores.get(d) for s in correct) for d in SCORES},
        "correct_flagged": metrics.flagged_share(s.statuses for s in correct),
        "people": {d: metrics.spread(s.scores.get(d) for s in people) for d in SCORES},
        "people_flagged": metrics.flagged_share(s.statuses for s in people),
        "voices": sorted({s.take.voice for s in correct}),
        "actors": sorted({s.line.actor for s in run.scored}),
        "lines": len({s.line.text for s in run.scored}),
        "actor_self": {d: metrics.spread(s.scores.get(d) for s in actor) for d in SCORES},
        "actor_self_min": {
            d: min((s.scores[d] for s in actor if s.scores.get(d) is not None), default=None)
            for d in SCORES
        },
        "actor_flagged": metrics.flagged_share(s.statuses for s in actor),
        "detection": metrics.word_detection((s.statuses, s.take.changed_word) for s in subs),
        "control_false_alarms": (
            sum(_changed(s) in metrics.FLAGGED for s in controls),
            len(controls),
        ),
        "omission_found": (sum(_changed(s) == "omitted" for s in omissions), len(omissions)),
        "by_confusion": _by_confusion(subs),
        "ranking": ranks,
        "ranking_by_kind": per_kind,
        "moves": moves,
        "pronunciation_moves": metrics.move(
            p for kind in WORDS_KEPT for p in _pairs(ok, (kind,), "pronunciation")
        ),
        "examples": {**_examples(correct, actor, subs), "ranking misses": _ranking_misses(ok)},
        "latency": statistics.median(s.seconds for s in ok) if ok else float("nan"),
        "reference_latency": statistics.median(run.reference_seconds)
        if run.reference_seconds
        else float("nan"),
    }


EXAMPLES = 5


def _word(s: Scored, i: int) -> str:
    return s.line.text.split()[i].strip(",.?!")


def _examples(
    correct: list[Scored], actor: list[Scored], subs: list[Scored]
) -> dict[str, list[str]]:
    """A few of each kind of miss, for whoever tunes the engine."""
    missed = [
        f"{_word(s, s.take.changed_word)} ({s.take.confusion}, {s.take.voice}): {_changed(s)}"
        for s in subs
        if _changed(s) not in metrics.FLAGGED
    ]
    false_alarms = [
        f"{_word(s, i)} ({s.take.kind}, {s.take.voice}): {status}"
        for s in [*subs, *correct]
        for i, status in enumerate(s.statuses)
        if status != "ok" and i != s.take.changed_word
    ]
    actor_low = [
        f"{s.line.text!r}: "
        + ", ".join(
            f"{d} {metrics.fmt(v)}" for d, v in s.scores.items() if v is not None and v < 95
        )
        for s in actor
        if any(v is not None and v < 95 for v in s.scores.values())
    ]
    return {
        "substitutions missed": missed[:EXAMPLES],
        "words flagged that were said right": false_alarms[:EXAMPLES],
        "actor against itself below 95": actor_low[:EXAMPLES],
    }


def _ranking_misses(scored: list[Scored]) -> list[str]:
    by_key = {s.take.key: s for s in scored if s.take}
    out = []
    for s in scored:
        if s.take is None or s.take.base not in by_key:
            continue
        base = by_key[s.take.base]
        for d in DEGRADATIONS.get(s.take.kind, ()):
            a, b = base.scores.get(d), s.scores.get(d)
            if a is not None and b is not None and b >= a:
                out.append(f"{s.take.kind} on {d} ({s.take.voice}): {a:.1f} → {b:.1f}")
    return out[:EXAMPLES]


def _changed(s: Scored) -> str:
    """The status of the take's changed word ('missing' if the engine lost count)."""
    i = s.take.changed_word
    return s.statuses[i] if i is not None and i < len(s.statuses) else "missing"


def _by_confusion(subs: list[Scored]) -> dict[str, tuple[int, int]]:
    """Per confusion: (changed words flagged, substitution takes)."""
    out: dict[str, tuple[int, int]] = {}
    for s in subs:
        found, n = out.get(s.take.confusion, (0, 0))
        out[s.take.confusion] = (found + (_changed(s) in metrics.FLAGGED), n + 1)
    return dict(sorted(out.items()))


def summarise_korean(run: Run) -> dict[str, Any]:
    takes = [s for s in run.scored if s.take and not s.error]
    return {
        "takes": len(takes),
        "errors": [s.error for s in run.scored if s.error],
        "pronunciation": metrics.spread(s.scores.get("pronunciation") for s in takes),
        "minimum": min(
            (s.scores["pronunciation"] for s in takes if s.scores.get("pronunciation") is not None),
            default=None,
        ),
        "omitted": sum(st == "omitted" for s in takes for st in s.statuses),
        "flagged": metrics.flagged_share(s.statuses for s in takes),
        "rows": [
            (s.line.text, s.take.voice, s.scores.get("pronunciation"), s.statuses) for s in takes
        ],
    }


def targets(summary: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """(target, met, measured) for one part of the corpus."""
    pron = summary["correct"]["pronunciation"]
    flagged, words = summary["correct_flagged"]
    share = flagged / words if words else float("nan")
    mins = summary["actor_self_min"]
    actor_flagged = summary["actor_flagged"][0]
    det = summary["detection"]
    move = summary["pronunciation_moves"]
    rows = [
        (
            "correct takes: median pronunciation ≥ 85, ≤ 10 % of words flagged",
            pron.median >= 85 and share <= 0.10,
            f"median {metrics.fmt(pron.median)}, {100 * share:.1f} % flagged",
        ),
        (
            "actor vs. self: ≥ 95 on every dimension, no word flagged",
            all(v is not None and v >= 95 for v in mins.values()) and actor_flagged == 0,
            "lowest "
            + ", ".join(f"{d} {metrics.fmt(v)}" for d, v in mins.items())
            + f"; {actor_flagged} words flagged",
        ),
        (
            "substitutions: precision ≥ 0.85 and recall ≥ 0.85",
            det.precision >= 0.85 and det.recall >= 0.85,
            f"precision {metrics.fmt(det.precision, 2)}, recall {metrics.fmt(det.recall, 2)}",
        ),
    ]
    for d, (won, n) in summary["ranking"].items():
        rows.append(
            (
                f"ranking on {d} ≥ 95 %",
                bool(n) and won / n >= 0.95,
                f"{won}/{n} ({100 * won / n:.0f} %)" if n else "no pairs",
            )
        )
    rows.append(
        (
            "words kept (tempo, delay, pitch): pronunciation moves ≤ 5 points",
            move.n > 0 and move.max <= 5,
            f"median {metrics.fmt(move.median)}, max {metrics.fmt(move.max)} over {move.n} takes",
        )
    )
    return rows


def korean_target(korean: dict[str, Any] | None) -> tuple[str, bool, str]:
    name = "Korean correct takes: pronunciation ≥ 80, no word omitted"
    if korean is None:
        return name, False, "not run: this engine has no `language` keyword"
    low = korean["minimum"]
    met = low is not None and low >= 80 and korean["omitted"] == 0 and not korean["errors"]
    return name, met, f"lowest {metrics.fmt(low)}, {korean['omitted']} words omitted"
