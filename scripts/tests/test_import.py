import io
from pathlib import Path

import pytest
import soundfile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from scripts import services
from scripts.models import Actor, AudioStatus, ImportStatus, Line, SceneImport, Script
from scripts.tests.factories import tone

SRT = """1
00:00:01,000 --> 00:00:02,000
[JOEY] How you doin'?

2
00:00:03,000 --> 00:00:04,500
RACHEL: Oh, stop it.
"""
DETAILS = services.SceneDetails(title="Doin'", work_title="Friends", kind="drama", language="en")


def upload(name: str, data: bytes | str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data.encode() if isinstance(data, str) else data)


def read_clip(line: Line) -> tuple[int, int, float]:
    with line.reference_audio.open("rb") as handle:
        samples, rate = soundfile.read(io.BytesIO(handle.read()))
    return rate, samples.ndim, len(samples) / rate


def import_scene(settings, audio_bytes: bytes, srt: str = SRT, name: str = "scene.wav") -> Script:
    scene_import, cues = services.scene_import_prepare(
        details=DETAILS, audio_file=upload(name, audio_bytes), subtitles_file=upload("s.srt", srt)
    )
    assert [c.number for c in cues] == [1, 2]
    return services.scene_import_run(scene_import=scene_import)


def assert_imported(script: Script, pad: float) -> None:
    lines = list(script.lines.select_related("actor").order_by("position"))
    assert [(line.position, line.text) for line in lines] == [
        (1, "How you doin'?"),
        (2, "Oh, stop it."),
    ]
    assert [(line.start_time, line.end_time) for line in lines] == [(1.0, 2.0), (3.0, 4.5)]
    assert [line.actor.name for line in lines] == ["Joey", "Rachel"]
    assert all(line.audio_status == AudioStatus.OK for line in lines)
    for line, cue_seconds in zip(lines, (1.0, 1.5), strict=True):
        rate, channels, seconds = read_clip(line)
        assert (rate, channels) == (16_000, 1)
        assert seconds == pytest.approx(cue_seconds + 2 * pad, abs=0.01)
        assert line.duration == pytest.approx(seconds, abs=0.001)
        assert line.reference_audio.name.endswith(".flac")
    assert script.is_published is False
    assert script.scene_audio


@pytest.mark.django_db
def test_import_cuts_one_16k_mono_flac_clip_per_cue(settings):
    script = import_scene(settings, tone(6.0, rate=44_100))

    assert_imported(script, settings.SCENE_IMPORT_CLIP_PAD_SECONDS)
    scene_import = SceneImport.objects.get()
    assert (scene_import.status, scene_import.progress) == (ImportStatus.COMPLETED, 100)
    assert scene_import.script == script


@pytest.mark.django_db
def test_import_clamps_padding_at_the_edges_of_the_scene(settings):
    srt = "1\n00:00:00,000 --> 00:00:01,000\nFirst.\n\n2\n00:00:01,500 --> 00:00:02,000\nLast.\n"
    scene_import, _ = services.scene_import_prepare(
        details=DETAILS, audio_file=upload("a.wav", tone(2.0)), subtitles_file=upload("s.srt", srt)
    )

    script = services.scene_import_run(scene_import=scene_import)

    pad = settings.SCENE_IMPORT_CLIP_PAD_SECONDS
    durations = [read_clip(line)[2] for line in script.lines.order_by("position")]
    assert durations == [pytest.approx(1.0 + pad, abs=0.01), pytest.approx(0.5 + pad, abs=0.01)]


@pytest.mark.django_db
def test_import_reuses_an_actor_with_the_same_character_name(settings):
    existing = Actor.objects.create(name="Matt LeBlanc", character_name="Joey")

    script = import_scene(settings, tone(6.0))

    assert script.lines.get(position=1).actor == existing
    assert Actor.objects.filter(character_name__iexact="joey").count() == 1


@pytest.mark.django_db
def test_import_with_cues_past_the_audio_creates_nothing(settings):
    with pytest.raises(services.SceneImportInvalid) as info:
        services.scene_import_prepare(
            details=DETAILS,
            audio_file=upload("a.wav", tone(3.0)),
            subtitles_file=upload("s.srt", SRT),
        )

    assert [str(e) for e in info.value.errors] == [
        "Cue 2, line 6: ends at 4.500 s, after the end of the audio (3.000 s)."
    ]
    assert not SceneImport.objects.exists()
    assert not Script.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


@pytest.mark.django_db
def test_import_rejects_a_file_that_is_not_audio():
    with pytest.raises(services.SceneImportInvalid) as info:
        services.scene_import_prepare(
            details=DETAILS,
            audio_file=upload("scene.wav", b"this is not audio at all" * 100),
            subtitles_file=upload("s.srt", SRT),
        )

    assert str(info.value.errors[0]) == "Audio: The file is not a readable audio file."
    assert not SceneImport.objects.exists()


@pytest.mark.django_db
def test_import_rejects_subtitles_with_another_extension():
    with pytest.raises(services.SceneImportInvalid) as info:
        services.scene_import_prepare(
            details=DETAILS,
            audio_file=upload("a.wav", tone(6.0)),
            subtitles_file=upload("s.txt", SRT),
        )

    assert "must be an .srt or .vtt file" in str(info.value)


@pytest.mark.django_db
def test_import_failure_while_cutting_marks_the_import_failed_and_keeps_no_rows(settings):
    scene_import, _ = services.scene_import_prepare(
        details=DETAILS, audio_file=upload("a.wav", tone(6.0)), subtitles_file=upload("s.srt", SRT)
    )
    scene_import.audio.storage.delete(scene_import.audio.name)  # the upload vanished

    assert services.scene_import_run(scene_import=scene_import) is None

    scene_import.refresh_from_db()
    assert scene_import.status == ImportStatus.FAILED
    assert scene_import.error
    assert not Script.objects.exists()
    assert not Line.objects.exists()


def test_long_scene_is_imported_by_the_worker_with_progress(
    settings, stub_worker, django_capture_on_commit_callbacks
):
    settings.SCENE_IMPORT_INLINE_MAX_SECONDS = 1.0
    scene_import, _ = services.scene_import_prepare(
        details=DETAILS, audio_file=upload("a.wav", tone(6.0)), subtitles_file=upload("s.srt", SRT)
    )

    with django_capture_on_commit_callbacks(execute=True):
        started = services.scene_import_start(scene_import=scene_import)
    assert started.status == ImportStatus.QUEUED
    stub_worker.join("media", fail_fast=True)

    scene_import.refresh_from_db()
    assert (scene_import.status, scene_import.progress) == (ImportStatus.COMPLETED, 100)
    assert_imported(scene_import.script, settings.SCENE_IMPORT_CLIP_PAD_SECONDS)


@pytest.mark.django_db
def test_load_demo_creates_every_kind_including_a_song_and_is_idempotent():
    out = io.StringIO()

    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)

    scripts = Script.objects.filter(is_published=True)
    assert sorted(scripts.values_list("kind", flat=True)) == [
        "animation",
        "drama",
        "movie",
        "movie",
        "song",
    ]
    assert "5 scenes loaded" in out.getvalue() and "5 already present" in out.getvalue()
    # The scene made for dubbing: two roles of two lines each.
    rooftop = scripts.get(import_key="demo-rooftop")
    names = [line.actor.name for line in rooftop.lines.order_by("position")]
    assert names == ["Nova", "Rex", "Nova", "Rex"]
    song = scripts.get(kind="song")
    assert song.lines.count() == 4
    assert song.lines.first().text == "Twinkle, twinkle, little star,"
    drama = scripts.get(kind="drama")
    assert drama.lines.first().actor.name == "지훈"
    assert drama.lines.first().translation == "No umbrella? Let's share."
    assert not Line.objects.exclude(audio_status=AudioStatus.OK).exists()
    assert all(1.0 < line.duration < 6.0 for line in Line.objects.all())


@pytest.mark.django_db
def test_load_demo_reimports_scenes_whose_clips_were_deleted():
    call_command("load_demo", stdout=io.StringIO())
    line = Line.objects.filter(script__kind="movie").first()
    line.reference_audio.storage.delete(line.reference_audio.name)

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert "1 scenes loaded, 4 already present" in out.getvalue()
    assert Script.objects.count() == 5


@pytest.mark.django_db
def test_import_scene_command_imports_a_pair(tmp_path, settings):
    (tmp_path / "scene.wav").write_bytes(tone(6.0))
    (tmp_path / "scene.srt").write_text(SRT)
    out = io.StringIO()

    call_command(
        "import_scene",
        str(tmp_path / "scene.wav"),
        str(tmp_path / "scene.srt"),
        "--title=Doin'",
        "--work-title=Friends",
        "--kind=drama",
        "--publish",
        stdout=out,
    )

    script = Script.objects.get()
    assert script.is_published
    assert f"script {script.pk} with 2 lines" in out.getvalue()


@pytest.mark.django_db
def test_import_scene_command_reports_each_bad_cue_and_imports_nothing(tmp_path):
    (tmp_path / "scene.wav").write_bytes(tone(2.0))
    (tmp_path / "scene.srt").write_text(SRT)
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 of 1 scenes were not imported"):
        call_command(
            "import_scene",
            str(tmp_path / "scene.wav"),
            str(tmp_path / "scene.srt"),
            "--title=T",
            "--work-title=W",
            "--kind=movie",
            stderr=err,
        )

    assert "Cue 1, line 2: ends at 2.000 s" not in err.getvalue()
    assert "Cue 2, line 6: ends at 4.500 s, after the end of the audio" in err.getvalue()
    assert not Script.objects.exists()


@pytest.mark.django_db
def test_import_scene_command_requires_its_arguments():
    with pytest.raises(CommandError, match="missing: audio, subtitles, title, work_title, kind"):
        call_command("import_scene")
