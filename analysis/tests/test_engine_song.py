"""Song mode: the key and starting note of a sung line, and pitch feedback per word.

Melodies are synthesised at known MIDI notes: harmonic tones for the reference side
(key, starting note), and espeak's reading of the line moved onto a melody by Praat for
whole takes (the words need an aligner, and tones have none).
"""

import json

import numpy as np
import pytest

from analysis.engine import pitch, song, synth
from analysis.tests.conftest import LINE

C_MAJOR_FRAGMENT = [(60, 0.4), (62, 0.4), (64, 0.4), (65, 0.4), (67, 0.6)]


def describe(notes, **kwargs):
    return song.describe(pitch.track_pitch(synth.sung_tones(notes, **kwargs), "song"))


def test_a_c_major_scale_fragment_is_in_c_major():
    result = describe(C_MAJOR_FRAGMENT)

    assert result["key"] is not None
    assert result["key"]["name"] == "C major"
    assert result["key"]["name_ko"] == "다장조"
    assert result["key"]["confidence"] > 0.7 and result["key"]["margin"] >= song.MIN_KEY_MARGIN
    assert result["key_reason"] is None


def test_a_melody_around_a_minor_triad_is_in_a_minor():
    notes = [(69, 0.5), (71, 0.3), (72, 0.5), (74, 0.3), (76, 0.5), (72, 0.3), (69, 0.7)]

    result = describe(notes)

    assert result["key"]["name"] == "A minor"
    assert result["key"]["name_ko"] == "가단조"


def test_the_starting_note_is_the_first_held_note():
    # "Mary had a little lamb" in C, starting on E4; an unstable 60 ms blip before it
    # (a scoop into the note) is not a note.
    result = describe([(59, 0.06), (64, 0.4), (62, 0.4), (60, 0.4), (62, 0.4), (64, 0.8)])

    start = result["start_note"]
    assert (start["midi"], start["name"]) == (64, "E4")
    assert start["hz"] == pytest.approx(329.6, abs=1.5)


def test_the_starting_note_survives_vibrato_and_a_sharp_tuned_recording():
    sharp = [(m + 0.3, s) for m, s in C_MAJOR_FRAGMENT]  # 30 cents above A440 tuning

    result = describe(sharp, vibrato_st=0.4)

    assert result["start_note"]["name"] == "C4"
    assert result["tuning_cents"] == pytest.approx(30, abs=8)
    assert result["key"]["name"] == "C major"


def test_two_notes_name_a_starting_note_but_no_key():
    result = describe([(64, 0.4), (67, 0.4)])

    assert result["start_note"]["name"] == "E4"
    assert result["key"] is None and result["key_reason"] == "too_little_singing"


def test_three_pitch_classes_are_too_few_for_a_key():
    result = describe([(64, 0.5), (62, 0.5), (60, 0.5), (62, 0.5), (64, 0.9)])

    assert result["key"] is None and result["key_reason"] == "too_few_notes"


def test_lines_of_one_song_add_up_to_the_songs_key():
    # "Twinkle, twinkle, little star": C C G G A A G, then F F E E D D C.
    line_1 = describe([(60, 0.5), (60, 0.5), (67, 0.5), (67, 0.5), (69, 0.5), (69, 0.5), (67, 1)])
    line_2 = describe([(65, 0.5), (65, 0.5), (64, 0.5), (64, 0.5), (62, 0.5), (62, 0.5), (60, 1)])

    key, reason = song.estimate_key(np.add(line_1["pitch_classes"], line_2["pitch_classes"]))

    assert line_1["key"] is None and line_1["key_reason"] == "too_few_notes"
    assert line_2["key"] is None and line_2["key_reason"] == "ambiguous"  # C or F major
    assert key is not None and key["name"] == "C major" and reason is None


def test_held_notes_keep_every_pitch_frame():
    # A clip of whole 10 ms frames puts Praat's frames half a hop off ours; each must
    # still land in its own slot (a third were once lost to rounding).
    tones = synth.sung_tones([(64, 1.0)], gap=0.0)

    track = pitch.track_pitch(tones, "song")

    held = track.hz[int(0.35 / track.hop) : int(1.25 / track.hop)]
    assert np.isfinite(held).mean() > 0.97


@pytest.mark.parametrize(
    ("offset", "en", "ko"),
    [
        (1.0, "Sharp by a semitone on 'star': sing it lower.", "'star'에서 반음 높아요."),
        (-2.1, "Flat by 2 semitones on 'star': sing it higher.", "'star'에서 반음 2개만큼 낮아요."),
        (0.6, "Sharp by half a semitone on 'star'", "'star'에서 반음의 절반만큼 높아요."),
    ],
)
def test_pitch_tips_name_the_word_and_the_distance(offset, en, ko):
    [(severity, index, tip)] = song.pitch_tips([(3, "'star'", offset)])

    assert index == 3
    assert tip["en"].startswith(en) and tip["ko"].startswith(ko)
    assert 0 < severity <= 1


def test_pitch_tips_skip_words_within_half_a_semitone_and_put_the_worst_first():
    tips = song.pitch_tips([(0, "'a'", 0.3), (1, "'b'", -0.8), (2, "'c'", 1.7)])

    assert [index for _, index, _ in tips] == [2, 1]


@pytest.fixture(scope="module")
def melody(reference_analysis):
    """One note per word of LINE (on the actor's word timings), starting on E4."""
    words = [w for w in reference_analysis["alignment"]["words"] if w["present"]]
    tune = [64, 67, 72, 67, 65, 64, 62, 64, 65, 62, 60]
    return [(w["start"], w["end"], tune[i % len(tune)]) for i, w in enumerate(words)]


@pytest.fixture(scope="module")
def sung_reference(warm_engine, speech, melody):
    sung = synth.sing(speech(), melody)
    return sung, warm_engine.analyse_reference(synth.to_wav_bytes(sung), LINE, "song")


def test_a_sung_reference_carries_its_key_and_starting_note(sung_reference, reference_analysis):
    _, analysis = sung_reference

    assert analysis["song"]["start_note"]["name"] == "E4"
    assert analysis["song"]["key"]["name"] == "C major"
    json.dumps(analysis)
    assert "song" not in reference_analysis  # speech lines are unchanged


def sing_take(warm_engine, speech, melody, sung_reference, shift):
    take = synth.sing(speech(), [(s, e, m + shift(i)) for i, (s, e, m) in enumerate(melody)])
    return warm_engine.assess(
        None, synth.to_wav_bytes(take), LINE, "song", reference_analysis=sung_reference[1]
    ).detailed_feedback


def test_a_word_sung_a_semitone_sharp_gets_its_offset_and_a_tip(
    warm_engine, speech, melody, sung_reference
):
    sharp = 3  # "going", a held note
    feedback = sing_take(
        warm_engine, speech, melody, sung_reference, lambda i: 1 if i == sharp else 0
    )

    words = {w["index"]: w for w in feedback["words"]}
    assert words[sharp]["pitch_offset"] == pytest.approx(1.0, abs=0.25)
    others = [w["pitch_offset"] for i, w in words.items() if i != sharp]
    assert all(o is None or abs(o) < song.PITCH_TIP_ST for o in others)
    pitch_tips = [t for t in feedback["tips"] if t["dimension"] == "intonation"]
    assert pitch_tips[0]["word"] == sharp
    assert pitch_tips[0]["en"].startswith("Sharp by a semitone on 'going'")
    assert pitch_tips[0]["ko"].startswith("'going'에서 반음 높아요")


def test_an_octave_down_take_is_on_the_note(warm_engine, speech, melody, sung_reference):
    feedback = sing_take(warm_engine, speech, melody, sung_reference, lambda i: -12)

    offsets = [w["pitch_offset"] for w in feedback["words"] if w.get("pitch_offset") is not None]
    assert len(offsets) >= 5
    assert all(abs(o) < song.PITCH_TIP_ST for o in offsets)
    assert not any(t["en"].startswith(("Sharp", "Flat")) for t in feedback["tips"])


def test_speech_feedback_has_no_pitch_offsets(score, speech):
    feedback = score(speech()).detailed_feedback

    assert all("pitch_offset" not in w for w in feedback["words"])
