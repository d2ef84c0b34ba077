"""The segmentation-free GOP's local passes equal full CTC passes on the changed sequence."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.engine import ctc

BLANK = 0


def _log_probs(frames: int = 30, tokens: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(frames, tokens)) * 2
    return raw - np.logaddexp.reduce(raw, axis=1, keepdims=True)


def _full(log_probs: np.ndarray, labels: list[tuple[int, ...]]) -> float:
    if not labels:
        return float(log_probs[:, BLANK].sum())
    return ctc.lattice(log_probs, labels, BLANK).log_likelihood


# Repeated labels (positions 1 and 2) exercise CTC's rule that identical neighbours
# need a blank between them; the token set (2, 3) a position that accepts either.
LABELS = [(1,), (2, 3), (2, 3), (4,), (1,)]
CANDIDATES = [(1,), (2, 3), (4,), (5,)]


def test_lattice_forward_and_backward_agree():
    log_probs = _log_probs()
    lat = ctc.lattice(log_probs, LABELS, BLANK)

    # Every frame's forward x backward mass (less the double-counted emission) is the total.
    per_frame = np.logaddexp.reduce(lat.alpha + lat.beta - lat.emissions, axis=1)

    assert np.allclose(per_frame, lat.log_likelihood)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_substitutions_and_insertions_match_a_full_pass(seed):
    log_probs = _log_probs(seed=seed)
    lat = ctc.lattice(log_probs, LABELS, BLANK)

    for i in range(-1, len(LABELS)):  # -1: inserted before the first position
        for tokens in [*CANDIDATES, (1, 2, 3, 4, 5)]:
            ins = ctc.Alternative("insertion", i, tokens)
            assert ctc.alternative_log_likelihood(lat, log_probs, ins) == pytest.approx(
                _full(log_probs, [*LABELS[: i + 1], tokens, *LABELS[i + 1 :]]), abs=1e-6
            )
            if i < 0 or tokens == LABELS[i]:
                continue
            sub = ctc.Alternative("substitution", i, tokens)
            assert ctc.alternative_log_likelihood(lat, log_probs, sub) == pytest.approx(
                _full(log_probs, [*LABELS[:i], tokens, *LABELS[i + 1 :]]), abs=1e-6
            )


@pytest.mark.parametrize("seed", [0, 3])
def test_deletions_of_any_span_match_a_full_pass(seed):
    log_probs = _log_probs(seed=seed)
    lat = ctc.lattice(log_probs, LABELS, BLANK)

    for first in range(len(LABELS)):
        for last in range(first, len(LABELS)):
            alt = ctc.Alternative("deletion", first, last=last)

            assert ctc.alternative_log_likelihood(lat, log_probs, alt) == pytest.approx(
                _full(log_probs, LABELS[:first] + LABELS[last + 1 :]), abs=1e-6
            )


def test_viterbi_spans_follow_the_emitting_frames():
    frames = np.full((12, 4), np.log(0.01))
    # blank blank A A blank B B B blank C blank blank
    for t, token in enumerate([0, 0, 1, 1, 0, 2, 2, 2, 0, 3, 0, 0]):
        frames[t, token] = np.log(0.97)
    lat = ctc.lattice(frames, [(1,), (2,), (3,)], BLANK)

    assert ctc.viterbi_spans(lat) == [(2, 3), (5, 7), (9, 9)]
