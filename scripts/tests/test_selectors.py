"""line_song: a song line's key and starting note, read from its stored reference analysis
and its script's song key; script_song_key: a song's key from all its lines' notes."""

import pytest

from scripts.models import AudioStatus, Kind
from scripts.selectors import line_detail, line_song, script_song_key
from scripts.tests.factories import LineFactory, ScriptFactory

pytestmark = pytest.mark.django_db

SONG_ANALYSIS = {
    "format": 2,
    "kind": "song",
    "song": {
        "key": {"name": "A minor", "name_ko": "가단조", "tonic": "A", "mode": "minor"},
        "key_reason": None,
        "start_note": {"midi": 64, "name": "E4", "hz": 329.6, "start": 0.3, "end": 0.7},
    },
}
C_MAJOR = {"name": "C major", "name_ko": "다장조", "tonic": "C", "mode": "major"}
# Seconds held per pitch class (C first) of the demo song's lines, as the engine stored
# them: C C G G A A G, F F E E D D C, then G G F F E E D twice.
TWINKLE = [
    [0.79, 0, 0, 0, 0, 0, 0, 1.36, 0, 0.76, 0, 0],
    [0.7, 0, 0.68, 0, 0.78, 0.67, 0, 0, 0, 0, 0, 0],
    [0, 0, 0.62, 0, 0.73, 0.77, 0, 0.63, 0, 0, 0, 0],
    [0, 0, 0.56, 0, 0.7, 0.76, 0, 0.7, 0, 0, 0, 0],
]


def song_line(script, pitch_classes, **kwargs):
    return LineFactory(
        script=script,
        reference_analysis={"kind": "song", "song": {"pitch_classes": pitch_classes}},
        **kwargs,
    )


def test_line_song_gives_the_key_and_starting_note_of_a_song_line(django_assert_num_queries):
    line = line_detail(pk=LineFactory(script__kind=Kind.SONG, reference_analysis=SONG_ANALYSIS).pk)

    with django_assert_num_queries(0):
        song = line_song(line)

    assert song == {
        "key": "A minor",
        "key_ko": "가단조",
        "song_key": None,
        "song_key_ko": None,
        "line_key": "A minor",
        "line_key_ko": "가단조",
        "start_note": "E4",
        "start_midi": 64,
        "start_hz": 329.6,
    }


def test_line_song_names_the_songs_key_over_the_lines_own(django_assert_num_queries):
    script = ScriptFactory(
        kind=Kind.SONG, song_key={"key": C_MAJOR, "key_reason": None, "lines": 4}
    )
    line = line_detail(pk=LineFactory(script=script, reference_analysis=SONG_ANALYSIS).pk)

    with django_assert_num_queries(0):
        song = line_song(line)

    assert song is not None
    assert (song["key"], song["key_ko"]) == ("C major", "다장조")
    assert (song["song_key"], song["song_key_ko"]) == ("C major", "다장조")
    assert (song["line_key"], song["line_key_ko"]) == ("A minor", "가단조")
    assert song["start_note"] == "E4"


def test_line_song_falls_back_to_the_lines_key_when_the_song_has_none():
    no_key = {"key": None, "key_reason": "ambiguous", "lines": 2}
    line = LineFactory(
        script=ScriptFactory(kind=Kind.SONG, song_key=no_key), reference_analysis=SONG_ANALYSIS
    )

    song = line_song(line)

    assert song is not None
    assert (song["key"], song["song_key"], song["line_key"]) == ("A minor", None, "A minor")


def test_line_song_is_none_for_speech_lines():
    line = LineFactory(script__kind=Kind.MOVIE, reference_analysis=SONG_ANALYSIS)

    assert line_song(line) is None


@pytest.mark.parametrize(
    "analysis",
    [
        None,  # never analysed
        {"format": 2, "kind": "song"},  # analysed before song mode
        {"format": 2, "kind": "song", "song": {"key": None, "start_note": None}},  # no notes
    ],
)
def test_line_song_has_empty_values_when_the_clip_says_nothing_yet(analysis):
    line = LineFactory(script__kind=Kind.SONG, reference_analysis=analysis)

    assert line_song(line) == {
        "key": None,
        "key_ko": None,
        "song_key": None,
        "song_key_ko": None,
        "line_key": None,
        "line_key_ko": None,
        "start_note": None,
        "start_midi": None,
        "start_hz": None,
    }


def test_script_song_key_adds_up_the_lines_notes_in_one_query(django_assert_num_queries):
    script = ScriptFactory(kind=Kind.SONG)
    for pitch_classes in TWINKLE:
        song_line(script, pitch_classes)

    with django_assert_num_queries(1):
        song_key = script_song_key(script=script)

    assert song_key is not None
    assert song_key["key"] is not None
    assert (song_key["key"]["name"], song_key["key"]["name_ko"]) == ("C major", "다장조")
    assert song_key["key"]["margin"] > 0.1
    assert (song_key["key_reason"], song_key["lines"]) == (None, 4)


def test_script_song_key_leaves_out_hidden_and_unanalysed_lines():
    script = ScriptFactory(kind=Kind.SONG)
    song_line(script, TWINKLE[2])
    song_line(script, TWINKLE[0], audio_status=AudioStatus.MISSING)  # learners never see it
    LineFactory(script=script, reference_analysis=None)
    LineFactory(script=script, reference_analysis={"kind": "song"})  # before song mode

    song_key = script_song_key(script=script)

    # One line of "G G F F E E D": four notes that fit D minor (the line's own key) as
    # well as C major; what is left out would have tipped it.
    assert song_key is not None and song_key["lines"] == 1
    assert song_key["key"] is None or song_key["key"]["name"] != "C major"


def test_script_song_key_is_none_for_speech_and_for_songs_not_analysed_yet():
    speech = ScriptFactory(kind=Kind.MOVIE)
    song_line(speech, TWINKLE[0])
    song = ScriptFactory(kind=Kind.SONG)
    LineFactory(script=song, reference_analysis=None)

    assert script_song_key(script=speech) is None
    assert script_song_key(script=song) is None
