"""Segmentation-free goodness of pronunciation on CTC posteriors.

Given a phoneme recogniser's per-frame log posteriors and the canonical phone
sequence of a line, this computes, for every canonical phone, how much more likely
the whole utterance is with the expected phone than with its best alternative: a
substitution by a phone learners confuse it with, or a deletion. No segmentation is
needed: each probability sums over every CTC alignment of the whole utterance
(Cao et al., "A framework for phoneme-level pronunciation assessment using CTC",
Interspeech 2024, GOP-SF).

Computing every alternative from scratch would cost one forward pass each (hundreds
per line). Changing position i only changes the paths that pass through it, so each
alternative is the canonical forward variables up to position i, a short local pass
through the new phone, and the canonical backward variables after it. With the
local pass written as a cumulative log-sum-exp, all alternatives are computed
together in a few vectorised numpy operations.

Canonical positions are *sets* of model tokens: CMUdict does not mark which AH is
/ʌ/ and which /ə/, so such a position accepts either and its emission is the sum of
their posteriors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
NEG_INF = -np.inf


@dataclass(frozen=True)
class Alternative:
    """One competing explanation of canonical position ``position``.

    kind: "substitution" (position said as ``tokens``), "deletion" (positions
    ``position``..``last`` not said) or "insertion" (``tokens`` said after
    ``position``).
    """

    kind: str
    position: int
    tokens: tuple[int, ...] = ()
    last: int = -1


@dataclass
class Lattice:
    """Forward and backward variables of the canonical sequence."""

    emissions: Floats  # (T, S) log emission of each extended state
    alpha: Floats  # (T, S)
    beta: Floats  # (T, S)
    labels: list[tuple[int, ...]]  # token set of each canonical position
    log_likelihood: float
    skip: NDArray[np.bool_]  # states that may be entered from two states back


def _emission(log_probs: Floats, tokens: tuple[int, ...]) -> Floats:
    if len(tokens) == 1:
        return log_probs[:, tokens[0]]
    summed: Floats = np.logaddexp.reduce(log_probs[:, list(tokens)], axis=1)
    return summed


def lattice(log_probs: Floats, labels: list[tuple[int, ...]], blank: int) -> Lattice:
    """Forward-backward over the extended sequence blank, l0, blank, l1, ..., blank."""
    n_frames = log_probs.shape[0]
    n_states = 2 * len(labels) + 1
    emissions = np.empty((n_frames, n_states))
    emissions[:, 0::2] = log_probs[:, blank][:, None]
    for i, tokens in enumerate(labels):
        emissions[:, 2 * i + 1] = _emission(log_probs, tokens)
    # A phone may be entered straight from the previous phone (skipping the blank)
    # unless both are the same label, where CTC needs a blank to tell them apart.
    skip = np.zeros(n_states, dtype=bool)
    for i in range(1, len(labels)):
        skip[2 * i + 1] = labels[i] != labels[i - 1]
    alpha = np.full((n_frames, n_states), NEG_INF)
    alpha[0, :2] = emissions[0, :2]
    for t in range(1, n_frames):
        prev = alpha[t - 1]
        stay = prev
        step = np.concatenate(([NEG_INF], prev[:-1]))
        jump = np.where(skip, np.concatenate(([NEG_INF, NEG_INF], prev[:-2])), NEG_INF)
        alpha[t] = np.logaddexp(np.logaddexp(stay, step), jump) + emissions[t]
    beta = np.full((n_frames, n_states), NEG_INF)
    beta[-1, -2:] = emissions[-1, -2:]
    skip_back = np.concatenate((skip[2:], [False, False]))
    for t in range(n_frames - 2, -1, -1):
        nxt = beta[t + 1]
        step = np.concatenate((nxt[1:], [NEG_INF]))
        jump = np.where(skip_back, np.concatenate((nxt[2:], [NEG_INF, NEG_INF])), NEG_INF)
        beta[t] = np.logaddexp(np.logaddexp(nxt, step), jump) + emissions[t]
    total = float(np.logaddexp(alpha[-1, -1], alpha[-1, -2] if n_states > 1 else NEG_INF))
    return Lattice(emissions, alpha, beta, labels, total, skip)


def _shift_back(values: Floats) -> Floats:
    """values[t-1] at index t (NEG_INF at t=0)."""
    return np.concatenate(([NEG_INF], values[:-1]))


def _shift_forward(values: Floats) -> Floats:
    """values[t+1] at index t (NEG_INF at the last frame)."""
    return np.concatenate((values[1:], [NEG_INF]))


def _inserted_run(
    lat: Lattice, emission: Floats, tokens: tuple[int, ...], enter: int, leave: int
) -> float:
    """log P of the utterance with a run of ``tokens`` between canonical positions.

    ``enter`` is the last canonical position before the new phone (-1: none) and
    ``leave`` the first one after it (len(labels): none). The new phone is entered
    from the blank before it or straight from position ``enter``, and left into the
    blank after it or straight into position ``leave``.
    """
    labels = lat.labels
    n = len(labels)
    n_frames = lat.alpha.shape[0]
    blank_before = 2 * (enter + 1)  # the blank between `enter` and the new phone
    into = _shift_back(lat.alpha[:, blank_before])
    if enter >= 0 and labels[enter] != tokens:
        into = np.logaddexp(into, _shift_back(lat.alpha[:, 2 * enter + 1]))
    if enter < 0:
        into[0] = 0.0  # the utterance may start with the new phone
    blank_after = 2 * leave  # the blank between the new phone and `leave`
    out = _shift_forward(lat.beta[:, blank_after])
    if leave < n and labels[leave] != tokens:
        out = np.logaddexp(out, _shift_forward(lat.beta[:, 2 * leave + 1]))
    if leave >= n:
        out[n_frames - 1] = 0.0  # ... and end with it
    # run[t] = emission[t] + logaddexp(run[t-1], into[t]), as a cumulative sum:
    # run[t] = E[t] + logcumsumexp_k<=t (into[k] - E[k-1]), E the running emission sum.
    cumulative = np.cumsum(emission)
    shifted = np.concatenate(([0.0], cumulative[:-1]))
    with np.errstate(invalid="ignore"):
        run = cumulative + np.logaddexp.accumulate(into - shifted)
    return float(np.logaddexp.reduce(run + out))


def _deleted_span(lat: Lattice, first: int, last: int) -> float:
    """log P of the utterance with canonical positions first..last left out."""
    n = len(lat.labels)
    n_frames = lat.alpha.shape[0]
    if first == 0 and last == n - 1:
        return float(lat.emissions[:, 0].sum())  # nothing said at all: all blank
    blank_before = 2 * first
    if last == n - 1:
        # The utterance ends inside the prefix: on its last phone or the blank after.
        ends = [lat.alpha[-1, blank_before], lat.alpha[-1, 2 * first - 1]]
        return float(np.logaddexp.reduce(ends))
    nxt = 2 * (last + 1) + 1  # the first canonical phone after the span
    # Cut each path where it enters the phone after the span: from the merged blank,
    # or straight from the phone before the span when the two differ.
    before = lat.alpha[:, blank_before]
    if first > 0 and lat.labels[first - 1] != lat.labels[last + 1]:
        before = np.logaddexp(before, lat.alpha[:, 2 * first - 1])
    terms = before[: n_frames - 1] + lat.beta[1:, nxt]
    total = float(np.logaddexp.reduce(terms)) if len(terms) else NEG_INF
    if first == 0:
        total = float(np.logaddexp(total, lat.beta[0, nxt]))  # starts on that phone
    return total


def alternative_log_likelihood(lat: Lattice, log_probs: Floats, alt: Alternative) -> float:
    if alt.kind == "deletion":
        return _deleted_span(lat, alt.position, alt.last if alt.last >= 0 else alt.position)
    emission = _emission(log_probs, alt.tokens)
    if alt.kind == "substitution":
        return _inserted_run(lat, emission, alt.tokens, alt.position - 1, alt.position + 1)
    if alt.kind == "insertion":
        return _inserted_run(lat, emission, alt.tokens, alt.position, alt.position + 1)
    raise ValueError(f"unknown alternative kind {alt.kind!r}")


def viterbi_spans(lat: Lattice) -> list[tuple[int, int]]:
    """Frames (first, last) of each canonical position on the best CTC path.

    A position the best path passes only through its neighbours' frames gets the
    frame where it would have been, as a zero-length span (first > last).
    """
    emissions, labels, skip = lat.emissions, lat.labels, lat.skip
    n_frames, n_states = emissions.shape
    score = np.full((n_frames, n_states), NEG_INF)
    back = np.zeros((n_frames, n_states), dtype=np.int8)
    score[0, :2] = emissions[0, :2]
    for t in range(1, n_frames):
        prev = score[t - 1]
        options = np.stack(
            [
                prev,
                np.concatenate(([NEG_INF], prev[:-1])),
                np.where(skip, np.concatenate(([NEG_INF, NEG_INF], prev[:-2])), NEG_INF),
            ]
        )
        back[t] = np.argmax(options, axis=0)
        score[t] = options[back[t], np.arange(n_states)] + emissions[t]
    state = n_states - 1 if score[-1, -1] >= score[-1, -2] else n_states - 2
    path = np.empty(n_frames, dtype=np.int64)
    for t in range(n_frames - 1, -1, -1):
        path[t] = state
        state -= int(back[t, state])
    spans: list[tuple[int, int]] = []
    for i in range(len(labels)):
        frames = np.flatnonzero(path == 2 * i + 1)
        if len(frames):
            spans.append((int(frames[0]), int(frames[-1])))
        else:
            at = int(np.searchsorted(path, 2 * i + 1))
            spans.append((at, at - 1))
    return spans
