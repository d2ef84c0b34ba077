"""Behaviour of the four scores on generated speech with known answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.engine import synth

from .conftest import LINE, OTHER_LINE


def test_same_take_scores_high_on_every_dimension(score, speech):
    result = score(speech())

    # espeak-ng's robotic voice is far from the acoustic model's training speech, so
    # even a perfect copy is only "fair" in absolute pronunciation; words must all be there.
    assert result.pronunciation >= 50
    assert result.intonation >= 90
    assert result.timing >= 90
    assert result.emotion >= 90
    statuses = [w["status"] for w in result.detailed_feedback["words"]]
    assert "omitted" not in statuses and "inserted" not in statuses


def test_right_text_scores_higher_in_pronunciation_than_a_different_text(score, speech):
    right = score(speech(LINE, voice="en-us+klatt2", pitch=40))
    wrong = score(speech(OTHER_LINE, voice="en-us+klatt2", pitch=40))

    assert right.pronunciation > wrong.pronunciation + 25


def test_missing_words_come_back_as_omitted(score, speech):
    result = score(speech("Are you really going to leave me tonight?"))

    statuses = {w["text"]: w["status"] for w in result.detailed_feedback["words"]}
    assert statuses["here"] == "omitted"
    assert statuses["alone"] == "omitted"
    assert statuses["leave"] != "omitted"
    assert any(
        "here" in tip["en"] or "alone" in tip["en"] for tip in result.detailed_feedback["tips"]
    )


def test_time_shifted_copy_keeps_its_intonation_score(score, speech):
    on_time = score(speech())
    late = score(speech(before=1.0))

    assert late.intonation == pytest.approx(on_time.intonation, abs=5)
    assert late.timing < on_time.timing  # the late start itself is a timing fault
    assert any("late" in tip["en"] for tip in late.detailed_feedback["tips"])


def test_flattened_pitch_lowers_intonation(score, speech):
    natural = score(speech())
    flat = score(synth.flatten_pitch(speech()))

    assert flat.intonation < natural.intonation - 30
    assert flat.emotion < natural.emotion  # monotone is also less expressive


def test_a_slower_reading_lowers_timing(score, speech):
    normal = score(speech())
    slow = score(speech(rate=107))  # 1.5x slower

    assert slow.timing < normal.timing - 20
    assert slow.detailed_feedback["timing"]["duration_ratio"] > 1.3


def test_scoring_is_deterministic(warm_engine, reference_analysis, speech):
    take = synth.to_wav_bytes(speech(voice="en-us+klatt2"))

    first = warm_engine.assess(None, take, LINE, reference_analysis=reference_analysis)
    second = warm_engine.assess(None, take, LINE, reference_analysis=reference_analysis)

    assert first.scores == second.scores
    assert first.detailed_feedback == second.detailed_feedback


def test_reference_analysis_is_json_and_matches_analysing_the_audio(
    warm_engine, reference_analysis, reference_clip, speech
):
    take = synth.to_wav_bytes(speech(voice="en-us+klatt2"))
    cached = json.loads(json.dumps(reference_analysis))

    from_cache = warm_engine.assess(None, take, LINE, reference_analysis=cached)
    from_audio = warm_engine.assess(reference_clip, take, LINE)

    # The cache rounds contours to 0.1 Hz / 0.1 dB, so scores agree to rounding.
    for name, value in from_audio.scores.items():
        assert from_cache.scores[name] == pytest.approx(value, abs=0.5)


def test_progress_reports_every_stage_in_order(warm_engine, reference_analysis, speech):
    seen = []

    warm_engine.assess(
        None,
        synth.to_wav_bytes(speech()),
        LINE,
        progress=lambda stage, percent: seen.append((stage, percent)),
        reference_analysis=reference_analysis,
    )

    assert [s for s, _ in seen] == list(warm_engine.STAGES)
    percents = [p for _, p in seen]
    assert percents == sorted(percents) and percents[0] >= 0 and percents[-1] <= 100


def test_feedback_has_words_contours_and_bilingual_tips(score, speech):
    feedback = score(speech(rate=107)).detailed_feedback

    assert feedback["version"] == 2
    word = feedback["words"][0]
    assert set(word) >= {"text", "start", "end", "ref_start", "ref_end", "score", "status"}
    pitch = feedback["pitch"]
    assert len(pitch["times"]) == len(pitch["reference"]) == len(pitch["attempt"]) <= 200
    assert np.all(np.diff(pitch["times"]) > 0)
    assert len(feedback["loudness"]["reference"]) == len(feedback["loudness"]["attempt"]) <= 200
    assert 1 <= len(feedback["tips"]) <= 3
    assert all(tip["en"] and tip["ko"] for tip in feedback["tips"])
    json.dumps(feedback)  # storable as-is


def test_song_scores_absolute_pitch_octave_folded(warm_engine, speech):
    sung = speech(pitch=40)
    reference = warm_engine.analyse_reference(synth.to_wav_bytes(sung), LINE, "song")
    octave_up = synth._manipulate(sung, "self * 2")
    off_key = synth._manipulate(sung, "self * 1.26")  # four semitones sharp

    same = warm_engine.assess(
        None, synth.to_wav_bytes(octave_up), LINE, "song", reference_analysis=reference
    )
    wrong = warm_engine.assess(
        None, synth.to_wav_bytes(off_key), LINE, "song", reference_analysis=reference
    )

    assert same.intonation >= 80
    assert wrong.intonation < same.intonation - 40
    assert same.detailed_feedback["pitch"]["unit"] == "midi"


def test_concurrent_takes_score_like_sequential_ones(warm_engine, reference_analysis, speech):
    from concurrent.futures import ThreadPoolExecutor

    takes = [synth.to_wav_bytes(speech(voice=v)) for v in ("en-us+klatt2", "en-us+klatt")]

    def run(take):
        return warm_engine.assess(None, take, LINE, reference_analysis=reference_analysis).scores

    sequential = [run(t) for t in takes]
    with ThreadPoolExecutor(max_workers=2) as pool:
        concurrent = list(pool.map(run, takes))

    assert concurrent == sequential


def test_clipped_take_is_scored_with_a_warning(score, speech):
    clipped = np.clip(speech() * 8, -1, 1)

    result = score(clipped)

    assert "clipping" in result.warnings
    assert result.detailed_feedback["warnings"] == ["clipping"]
    assert result.pronunciation > 0
