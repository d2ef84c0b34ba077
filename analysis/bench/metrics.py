"""The evaluation's metrics, on plain numbers and word statuses (no audio, no engine)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# A word counts as flagged as mispronounced when its status is one of these
# (detailed_feedback["words"][i]["status"]).
FLAGGED = ("mispronounced", "omitted")


@dataclass(frozen=True)
class Spread:
    n: int
    median: float
    p10: float
    p90: float


@dataclass(frozen=True)
class Detection:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else math.nan


@dataclass(frozen=True)
class Move:
    n: int
    median: float  # of |degraded - correct|
    max: float


def spread(values: Iterable[float | None]) -> Spread:
    """Median and 10th/90th percentiles; None (not scored) values are left out."""
    v = np.array([x for x in values if x is not None], dtype=float)
    if not len(v):
        return Spread(0, math.nan, math.nan, math.nan)
    p10, median, p90 = np.percentile(v, [10, 50, 90])
    return Spread(len(v), float(median), float(p10), float(p90))


def flagged_share(takes: Iterable[Sequence[str]]) -> tuple[int, int]:
    """(words whose status is not 'ok', words) over takes given as status lists."""
    flagged = total = 0
    for statuses in takes:
        total += len(statuses)
        flagged += sum(s != "ok" for s in statuses)
    return flagged, total


def word_detection(takes: Iterable[tuple[Sequence[str], int]]) -> Detection:
    """Mispronunciation detection over (statuses of the line's words, index of the one
    changed word) pairs: the changed word is the positive, every other word a negative."""
    tp = fp = fn = tn = 0
    for statuses, changed in takes:
        for i, status in enumerate(statuses):
            flagged = status in FLAGGED
            if i == changed:
                tp, fn = tp + flagged, fn + (not flagged)
            else:
                fp, tn = fp + flagged, tn + (not flagged)
    return Detection(tp, fp, fn, tn)


def ranking(pairs: Iterable[tuple[float, float]]) -> tuple[int, int]:
    """(pairs where the degraded take scores strictly lower, pairs) over
    (correct score, degraded score) pairs. A tie is a miss: the score did not notice."""
    won = n = 0
    for correct, degraded in pairs:
        n += 1
        won += degraded < correct
    return won, n


def move(pairs: Iterable[tuple[float, float]]) -> Move:
    """How far a change that should not matter moved a score: |degraded - correct|."""
    diffs = [abs(b - a) for a, b in pairs]
    if not diffs:
        return Move(0, math.nan, math.nan)
    return Move(len(diffs), float(np.median(diffs)), float(max(diffs)))


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation; NaN with fewer than 3 pairs or a constant side."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) != len(b):
        raise ValueError("pearson needs pairs")
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"
