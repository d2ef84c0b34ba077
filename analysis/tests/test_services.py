"""The stored reference analysis of a line: when it is stale, and making it ahead."""

import pytest
from django.core.management import call_command

from analysis.services import reference_analysis_is_current
from practice.tests.conftest import line
from scripts.models import Kind, Line

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
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Reference analyses: 1 made, 0 already current.",
        "Reference analyses: 0 made, 1 already current.",
    ]
