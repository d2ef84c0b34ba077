"""The demo song is sung on its notes: the clips `load_demo` cuts from it start on the
melody's notes, octave included, and add up to its key (scripts/fixtures/demo/build.py).
"""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from analysis.engine import audio, pitch, song, vad
from scripts import services
from scripts.models import Line, Script
from scripts.selectors import script_song_key

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo"

pytestmark = pytest.mark.django_db


def import_song() -> Script:
    manifest = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
    [scene] = [scene for scene in manifest["scenes"] if scene["kind"] == "song"]
    fields = ("title", "work_title", "kind", "language", "difficulty", "description")
    scene_import = services.scene_import_files(
        details=services.SceneDetails(**{name: scene[name] for name in fields}),
        audio_path=DEMO / scene["audio"],
        subtitles_path=DEMO / scene["subtitles"],
        translations=scene["translations"],
        publish=True,
    )
    assert scene_import.script is not None
    return scene_import.script


def describe_clip(line: Line) -> song.SongAnalysis:
    """The song part of the line's reference analysis, as `analyse_reference` makes it
    (`song.describe_recording` reads a recording's pitch and voice activity), without the
    word aligner, which the key and the starting note do not use and which takes seconds."""
    with line.reference_audio.open("rb") as handle:
        decoded = audio.decode(handle.read())
    recording = SimpleNamespace(
        pitch=pitch.track_pitch(decoded.samples, "song"),
        activity=vad.detect_speech(decoded.samples),
    )
    return song.describe_recording(recording)  # type: ignore[arg-type]


def test_the_demo_song_starts_each_line_on_its_note_and_is_in_c_major():
    script = import_song()
    lines = list(script.lines.order_by("position"))

    described = [describe_clip(line) for line in lines]
    for line, analysis in zip(lines, described, strict=True):
        Line.objects.filter(pk=line.pk).update(reference_analysis={"song": analysis})

    # "Twinkle, twinkle" on C4, "How I wonder" on F4, "Up above" and "Like a diamond"
    # on G4; sung in tune (within 10 cents of A440 tuning).
    starts = [a["start_note"] for a in described]
    assert [s["name"] if s else None for s in starts] == ["C4", "F4", "G4", "G4"]
    assert all(abs(a["tuning_cents"]) < 10 for a in described)
    # Each syllable is one held note, the last of each line two beats long.
    assert [a["notes"] for a in described] == [7, 7, 7, 7]
    song_key = script_song_key(script=script)
    assert song_key is not None and song_key["key"] is not None
    assert song_key["key"]["name"] == "C major"
    assert song_key["lines"] == 4
