"""line_song: a song line's key and starting note, read from its stored reference analysis."""

import pytest

from scripts.models import Kind
from scripts.selectors import line_detail, line_song
from scripts.tests.factories import LineFactory

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


def test_line_song_gives_the_key_and_starting_note_of_a_song_line(django_assert_num_queries):
    line = line_detail(pk=LineFactory(script__kind=Kind.SONG, reference_analysis=SONG_ANALYSIS).pk)

    with django_assert_num_queries(0):
        song = line_song(line)

    assert song == {
        "key": "A minor",
        "key_ko": "가단조",
        "start_note": "E4",
        "start_midi": 64,
        "start_hz": 329.6,
    }


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
        "start_note": None,
        "start_midi": None,
        "start_hz": None,
    }
