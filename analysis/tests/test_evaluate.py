"""The evaluation's metrics, corpus rules and speechocean762 path (python -m analysis.evaluate)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from analysis.bench import metrics, speechocean
from analysis.bench.evaluation import Run, Scored, summarise, targets
from analysis.bench.takes import AudioCache, say, sox
from analysis.bench.validation import (
    Line,
    Take,
    Voice,
    choose_substitutions,
    splits,
    tokenize_phonemes,
    with_phonemes,
)
from analysis.engine import synth

from .conftest import needs_espeak

STAND_IN = Path(__file__).resolve().parents[1] / "bench" / "fixtures" / "speechocean762"


def test_word_detection_counts_the_changed_word_as_the_positive():
    takes = [
        (["ok", "mispronounced", "ok", "ok"], 1),  # found
        (["ok", "ok", "ok", "ok"], 2),  # missed
        (["omitted", "ok", "ok", "mispronounced"], 3),  # found, plus a false alarm
        (["ok", "not_assessed", "ok"], 0),  # missed; not_assessed is not a flag
    ]

    detection = metrics.word_detection(takes)

    assert (detection.tp, detection.fp, detection.fn, detection.tn) == (2, 1, 2, 10)
    assert detection.precision == pytest.approx(2 / 3)
    assert detection.recall == pytest.approx(0.5)
    assert detection.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_word_detection_without_flags_has_no_precision():
    detection = metrics.word_detection([(["ok", "ok"], 0)])

    assert math.isnan(detection.precision)
    assert detection.recall == 0.0


def test_ranking_counts_a_tie_as_a_miss():
    assert metrics.ranking([(90, 80), (90, 90), (70, 75), (60.5, 60.4)]) == (2, 4)


def test_move_is_the_median_and_max_of_absolute_changes():
    move = metrics.move([(90, 92), (90, 85), (80, 80), (70, 71)])

    assert (move.n, move.median, move.max) == (4, 1.5, 5)


def test_pearson_on_hand_computed_pairs():
    # x = 1, 2, 3, 4 and y = 2, 4, 5, 4: cov 0.875, var_x 1.25, var_y 1.1875 (population)
    expected = 0.875 / math.sqrt(1.25 * 1.1875)

    assert metrics.pearson([1, 2, 3, 4], [2, 4, 5, 4]) == pytest.approx(expected)
    assert metrics.pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(metrics.pearson([1, 2, 3], [5, 5, 5]))
    assert math.isnan(metrics.pearson([1, 2], [1, 2]))


def test_spread_leaves_out_unscored_values():
    spread = metrics.spread([None, *range(1, 12)])

    assert (spread.n, spread.median, spread.p10, spread.p90) == (11, 6.0, 2.0, 10.0)


def test_flagged_share_counts_every_status_but_ok():
    assert metrics.flagged_share([["ok", "mispronounced"], ["not_assessed", "ok", "ok"]]) == (2, 5)


def test_tokenize_phonemes_keeps_espeak_multi_letter_phonemes_whole():
    assert tokenize_phonemes("dZ'Vdz") == ["dZ", "'", "V", "d", "z"]
    assert tokenize_phonemes("T'i:vz") == ["T", "'", "i:", "v", "z"]
    assert tokenize_phonemes("a#l'oUn") == ["a#", "l", "'", "oU", "n"]


def test_with_phonemes_replaces_one_word_and_keeps_its_punctuation():
    said = with_phonemes("Are you leaving tonight?", 3, "t@n'aIt")

    assert said == "Are you leaving [[t@n'aIt]]?"


@needs_espeak
def test_substitutions_change_one_phone_of_distinct_words_the_same_way_every_run():
    text = "Nobody believes that the three thieves ran away with the jewels."

    chosen = choose_substitutions("en-us", text, 3)

    assert chosen == choose_substitutions("en-us", text, 3)
    assert len(chosen) == 3
    assert len({index for index, *_ in chosen}) == 3
    assert len({label for *_, label in chosen}) == 3
    for index, original, changed, _label in chosen:
        assert len(text.split()[index].strip(".")) >= 4
        before, after = tokenize_phonemes(original), tokenize_phonemes(changed)
        assert sum(a != b for a, b in zip(before, after, strict=True)) == 1


@needs_espeak
def test_generated_audio_is_the_same_every_run(tmp_path):
    voice = Voice("espeak", "en-us+klatt2", 40)
    first = sox(say(voice, "Give me five minutes.", 150), "tempo", "-s", "0.8")
    second = sox(say(voice, "Give me five minutes.", 150), "tempo", "-s", "0.8")
    path, cached = AudioCache(tmp_path).voice(voice, "Give me five minutes.", 150)

    assert np.array_equal(first, second)
    assert path.exists() and path.parent == tmp_path
    assert len(first) > 1.2 * len(cached)  # slower by 1/0.8, the padding aside


def test_development_and_held_out_share_no_sentence_and_no_voice():
    development, held_out = splits()

    assert not set(development.sentences) & set(held_out.sentences)
    voices = {v.label for v in (development.actor, *development.voices)}
    assert not voices & {v.label for v in (held_out.actor, *held_out.voices)}
    assert not {r.speaker for r in development.recordings} & {
        r.speaker for r in held_out.recordings
    }


def _scored(line, take, pronunciation, statuses, **scores):
    full = {"pronunciation": pronunciation, "intonation": 90.0, "timing": 90.0, "emotion": 90.0}
    full |= scores
    full["overall"] = sum(full.values()) / 4
    return Scored(line, take, full, statuses)


def test_summary_and_targets_on_hand_made_scores():
    line = Line("development", "one two three four", "espeak:actor", Path("actor.wav"))
    correct = Take("v|line", "espeak:v", "correct", Path("c.wav"), line.text)
    control = Take("v|line/control/2", "espeak:v", "control", Path("k.wav"), line.text, 2)
    swapped = Take(
        "v|line/substitution/2",
        "espeak:v",
        "substitution",
        Path("s.wav"),
        line.text,
        2,
        "r→l",
        base=control.key,
    )
    slow = Take(
        "v|line/tempo_0.8", "espeak:v", "tempo_0.8", Path("t.wav"), line.text, base="v|line"
    )
    fast = Take(
        "v|line/tempo_1.25", "espeak:v", "tempo_1.25", Path("f.wav"), line.text, base="v|line"
    )
    run = Run(
        scored=[
            _scored(line, None, 99.0, ["ok"] * 4, intonation=100.0, timing=100.0, emotion=99.0),
            _scored(line, correct, 92.0, ["ok", "ok", "ok", "mispronounced"]),
            _scored(line, control, 91.0, ["ok"] * 4),
            _scored(line, swapped, 75.0, ["ok", "ok", "mispronounced", "ok"]),
            _scored(line, slow, 85.0, ["ok"] * 4, timing=60.0),
            _scored(line, fast, 92.0, ["ok"] * 4, timing=95.0),  # timing missed it
        ],
        reference_seconds=[0.2],
    )

    summary = summarise(run)
    results = {name.split(":")[0]: met for name, met, _ in targets(summary)}

    assert summary["correct"]["pronunciation"].median == 92.0
    assert summary["correct_flagged"] == (1, 4)
    assert summary["detection"] == metrics.Detection(tp=1, fp=0, fn=0, tn=3)
    assert summary["ranking"]["pronunciation"] == (1, 1)
    assert summary["ranking"]["timing"] == (1, 2)
    assert summary["pronunciation_moves"] == metrics.Move(2, 3.5, 7.0)
    assert summary["by_confusion"] == {"r→l": (1, 1)}
    assert summary["examples"]["words flagged that were said right"] == [
        "four (correct, espeak:v): mispronounced"
    ]
    assert summary["examples"]["ranking misses"] == ["tempo_1.25 on timing (espeak:v): 90.0 → 95.0"]
    assert results == {
        "correct takes": False,  # 25 % of words flagged
        "actor vs. self": True,
        "substitutions": True,
        "ranking on pronunciation ≥ 95 %": True,
        "ranking on intonation ≥ 95 %": False,  # no pairs: nothing was shown
        "ranking on timing ≥ 95 %": False,
        "ranking on emotion ≥ 95 %": False,
        "words kept (tempo, delay, pitch)": False,  # tempo moved pronunciation by 7
    }


def test_speechocean_load_reads_the_kaldi_layout():
    utterances = speechocean.load(STAND_IN)

    assert [u.id for u in utterances] == ["000010011", "000010035", "000030012"]
    assert utterances[1].text == "I LIKE RED CARS"
    assert utterances[1].audio == STAND_IN / "WAVE" / "SPEAKER0001" / "000010035.WAV"
    assert all(u.audio.exists() for u in utterances)
    assert utterances[2].human["words"][2]["accuracy"] == 0
    assert speechocean.load(STAND_IN, limit=2)[-1].id == "000010035"


@pytest.mark.skipif(not synth.flite_available(), reason="flite reads the reference")
def test_speechocean_correlations_on_the_stand_in(warm_engine, tmp_path):
    result = speechocean.evaluate(speechocean.load(STAND_IN), AudioCache(tmp_path))
    rows = {level: (n, r) for level, _ours, _human, n, r in result["rows"]}

    assert result["skipped"] == 0
    assert rows["word"][0] == 12  # every word of the three lines paired with its score
    assert rows["utterance accuracy"][0] == 3
    assert result["pairs"]["utterance completeness"] == [(100.0, 10.0), (100.0, 10.0), (75.0, 7.5)]
    # 'home' left out and 'red' said 'led' score lowest, as the experts scored them.
    assert rows["word"][1] > 0.5
    assert rows["utterance accuracy"][1] > 0.5
    assert rows["phone"][0] > 20 and -1 <= rows["phone"][1] <= 1
