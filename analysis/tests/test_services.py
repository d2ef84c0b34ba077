"""The stored reference analysis of a line: when it is stale, and making it ahead."""

import pytest
from django.core.management import call_command

from analysis.services import reference_analysis_is_current, script_song_key_refresh
from practice.tests.conftest import line
from scripts.models import Kind, Line, Script
from scripts.tests.factories import LineFactory, ScriptFactory

__all__ = ["line"]  # fixture shared with the practice tests

pytestmark = pytest.mark.django_db


def test_a_song_lines_analysis_from_before_song_mode_is_stale(line):
    line.script.kind = Kind.SONG
    current = {"format": 2, "text": line.text, "kind": "song", "language": "en"}

    line.reference_analysis = current
    before_song_mode = reference_analysis_is_current(line)
    line.reference_analysis = {**current, "song": {"key": None, "start_note": None}}
    with_song_mode = reference_analysis_is_current(line)

    assert (before_song_mode, with_song_mode) == (False, True)


def test_analyse_references_gives_song_lines_their_key_and_starting_note(line, warm_engine, capsys):
    line.script.kind = Kind.SONG
    line.script.save()
    updated = line.updated_at

    call_command("analyse_references", "--kind", "song")
    call_command("analyse_references", "--kind", "song")

    line = Line.objects.get(pk=line.pk)
    assert "start_note" in line.reference_analysis["song"]
    assert line.updated_at > updated  # the catalogue's cached bodies move on
    assert line.script.song_key is not None and line.script.song_key["lines"] == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Reference analyses: 1 made, 0 already current.",
        "Reference analyses: 0 made, 1 already current.",
    ]


def test_a_songs_key_is_stored_on_the_script_and_written_only_when_it_changes():
    script = ScriptFactory(kind=Kind.SONG)
    # Seconds held per pitch class (C first): C C G G A A G, then F F E E D D C.
    for pitch_classes in (
        [0.79, 0, 0, 0, 0, 0, 0, 1.36, 0, 0.76, 0, 0],
        [0.7, 0, 0.68, 0, 0.78, 0.67, 0, 0, 0, 0, 0, 0],
    ):
        LineFactory(script=script, reference_analysis={"song": {"pitch_classes": pitch_classes}})

    stored = script_song_key_refresh(script=script)
    written = Script.objects.get(pk=script.pk)
    script_song_key_refresh(script=script)
    unchanged = Script.objects.get(pk=script.pk)

    assert stored is not None and stored["key"] is not None
    assert stored["key"]["name"] == "C major" and stored["lines"] == 2
    assert written.song_key == stored == script.song_key
    assert written.updated_at > script.updated_at  # the catalogue's cached bodies move on
    assert unchanged.updated_at == written.updated_at
