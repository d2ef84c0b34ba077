"""Pronunciation: goodness of pronunciation (GOP) per phone, a status per word.

A phone's GOP is how much worse (in nats per frame) the expected phone explains its
frames than the best free phone sequence does. 0 means "as good as anything"; native
speech sits a little below 0 because the free loop always finds something slightly
better. The mapping to 0–100 is a logistic curve whose midpoint and slope are the
only calibrated constants here (see docs/scoring.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .align import AlignedWord, Alignment

# Logistic mapping of a phone's GOP (nats/frame) to 0..1. Calibrated on flite and
# espeak-ng voices reading the right vs. a different text: right-text phones cluster
# above -1.5, wrong-text phones below -4.
GOP_MIDPOINT = -3.0
GOP_SLOPE = 1.0
MISPRONOUNCED_BELOW = 60.0
# An insertion this long or longer counts as an extra word, shorter ones are noise
# at word joins.
MIN_INSERTION_SECONDS = 0.15
MIN_INSERTION_PHONES = 2


@dataclass
class WordScore:
    word: AlignedWord
    score: float
    status: str  # ok, mispronounced, omitted
    phone_scores: list[tuple[str, float]]


@dataclass
class PronunciationResult:
    score: float
    words: list[WordScore]
    insertions: list[tuple[float, float, list[str]]]


def phone_score(gop: float) -> float:
    return float(100.0 / (1.0 + np.exp(-(gop - GOP_MIDPOINT) / GOP_SLOPE)))


def score_pronunciation(alignment: Alignment) -> PronunciationResult:
    words: list[WordScore] = []
    for word in alignment.words:
        if not word.present:
            words.append(WordScore(word, 0.0, "omitted", []))
            continue
        phones = [(p.phone, phone_score(p.gop)) for p in word.phones]
        # A word is as good as its phones on average, but one badly wrong phone
        # changes a word ("ship" vs "sheep"), so the weakest phone weighs in too.
        if phones:
            values = np.array([s for _, s in phones])
            score = float(0.7 * values.mean() + 0.3 * values.min())
        else:
            score = 50.0  # phone pass failed: neutral rather than invented precision
        status = "ok" if score >= MISPRONOUNCED_BELOW else "mispronounced"
        words.append(WordScore(word, score, status, phones))
    insertions = [
        (i.start, i.end, i.phones)
        for i in alignment.insertions
        if i.end - i.start >= MIN_INSERTION_SECONDS and len(i.phones) >= MIN_INSERTION_PHONES
    ]
    if not words:
        return PronunciationResult(0.0, words, insertions)
    accuracy = float(np.mean([w.score for w in words]))
    # Each extra word dilutes the line like one more word scored 0 (Azure counts
    # insertions against completeness the same way).
    total = accuracy * len(words) / (len(words) + len(insertions))
    return PronunciationResult(round(total, 1), words, insertions)
