import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scripts.models import AudioStatus, ImportStatus, Line, SceneImport, Script
from scripts.tests.factories import LineFactory, ScriptFactory, UserFactory, tone

pytestmark = pytest.mark.django_db

SRT = (
    "1\n00:00:01,000 --> 00:00:02,000\n[JOEY] Hi.\n\n"
    "2\n00:00:02,500 --> 00:00:03,500\nRACHEL: Hello.\n"
)


def import_form(audio: bytes, srt: str) -> dict:
    return {
        "title": "Hello",
        "work_title": "Friends",
        "kind": "drama",
        "language": "en",
        "difficulty": "2",
        "description": "",
        "audio": SimpleUploadedFile("scene.wav", audio),
        "subtitles": SimpleUploadedFile("scene.srt", SRT.encode() if srt is None else srt.encode()),
    }


def test_curator_sees_scripts_with_players_and_problem_counts(curator_client):
    script = ScriptFactory(title="The Last Train")
    line = LineFactory(script=script)
    LineFactory(script=script, audio_status=AudioStatus.MISSING, reference_audio="")

    changelist = curator_client.get(reverse("admin:scripts_script_changelist")).content.decode()
    change = curator_client.get(reverse("admin:scripts_script_change", args=[script.pk]))
    lines = curator_client.get(reverse("admin:scripts_line_changelist")).content.decode()

    assert "The Last Train" in changelist and "Import a scene" in changelist
    assert "audio_status__exact=missing" in changelist  # the flagged count links to the lines
    assert change.status_code == 200
    assert f'src="{line.reference_audio.url}"' in change.content.decode()
    assert "<audio" in lines and "Missing" in lines


def test_curator_search_finds_scripts_by_line_text_and_actor(curator_client):
    LineFactory(
        script=ScriptFactory(title="Station"), text="Hold the door", actor__name="Mara Jones"
    )
    ScriptFactory(title="Other")

    by_text = curator_client.get(reverse("admin:scripts_script_changelist"), {"q": "door"})
    by_actor = curator_client.get(reverse("admin:scripts_script_changelist"), {"q": "mara"})

    assert "Station" in by_text.content.decode() and "Other" not in by_text.content.decode()
    assert "Station" in by_actor.content.decode()


def test_curator_bulk_publishes_and_unpublishes(curator_client):
    scripts = ScriptFactory.create_batch(2, is_published=False)
    url = reverse("admin:scripts_script_changelist")
    ids = [s.pk for s in scripts]

    curator_client.post(url, {"action": "publish", "_selected_action": ids})
    published = Script.objects.filter(is_published=True).count()
    curator_client.post(url, {"action": "unpublish", "_selected_action": ids[:1]})

    assert published == 2
    assert Script.objects.filter(is_published=True).count() == 1


def test_curator_check_audio_action_flags_missing_clips(curator_client):
    line = LineFactory()
    line.reference_audio.storage.delete(line.reference_audio.name)

    response = curator_client.post(
        reverse("admin:scripts_script_changelist"),
        {"action": "check_audio", "_selected_action": [line.script_id]},
        follow=True,
    )

    line.refresh_from_db()
    assert line.audio_status == AudioStatus.MISSING
    assert "1 are missing or unreadable" in response.content.decode()


def test_curator_uploading_an_unreadable_clip_gets_a_form_error(curator_client):
    line = LineFactory()
    url = reverse("admin:scripts_line_change", args=[line.pk])
    data = {
        "script": line.script_id,
        "position": line.position,
        "actor": line.actor_id,
        "text": line.text,
        "translation": "",
        "start_time": line.start_time,
        "end_time": line.end_time,
        "reference_audio": SimpleUploadedFile("clip.mp3", b"definitely not audio" * 50),
    }

    response = curator_client.post(url, data)

    assert response.status_code == 200
    assert "not a readable audio file" in response.content.decode()


def test_curator_uploading_a_clip_stores_it_as_16k_flac(curator_client):
    line = LineFactory()
    data = {
        "script": line.script_id,
        "position": line.position,
        "actor": line.actor_id,
        "text": line.text,
        "translation": "",
        "start_time": line.start_time,
        "end_time": line.end_time,
        "reference_audio": SimpleUploadedFile("clip.wav", tone(2.0, rate=44_100)),
    }

    curator_client.post(reverse("admin:scripts_line_change", args=[line.pk]), data)

    line.refresh_from_db()
    assert line.reference_audio.name.endswith(".flac")
    assert line.duration == pytest.approx(2.0, abs=0.01)
    assert line.audio_status == AudioStatus.OK


def test_admin_import_shows_a_preview_then_creates_the_script(curator_client):
    upload = curator_client.post(
        reverse("admin:scripts_script_import"), import_form(tone(5.0), SRT)
    )
    scene_import = SceneImport.objects.get()
    preview = curator_client.get(upload["Location"]).content.decode()
    nothing_yet = Script.objects.exists()

    confirm = curator_client.post(upload["Location"], {"confirm": "Import"})

    assert upload.status_code == 302 and not nothing_yet
    assert "Hi." in preview and "Hello." in preview and "Joey" in preview and "Rachel" in preview
    script = Script.objects.get()
    assert confirm["Location"] == reverse("admin:scripts_script_change", args=[script.pk])
    assert list(script.lines.values_list("text", flat=True)) == ["Hi.", "Hello."]
    scene_import.refresh_from_db()
    assert scene_import.status == ImportStatus.COMPLETED


def test_admin_import_cancel_saves_nothing(curator_client):
    upload = curator_client.post(
        reverse("admin:scripts_script_import"), import_form(tone(5.0), SRT)
    )

    curator_client.post(upload["Location"], {"cancel": "Cancel"})

    assert not SceneImport.objects.exists() and not Script.objects.exists()


def test_admin_import_lists_an_error_per_bad_cue_and_creates_nothing(curator_client):
    bad = SRT.replace("00:00:01,000 --> 00:00:02,000", "00:00:01,000 --> 00:00:0x,000")
    bad += "\n3\n00:00:03,000 --> 00:00:09,000\nPast the end.\n"

    response = curator_client.post(
        reverse("admin:scripts_script_import"), import_form(tone(5.0), bad)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Cue 1, line 2: bad timestamp" in html
    assert "Cue 3, line 10: ends at 9.000 s, after the end of the audio (5.000 s)." in html
    assert not SceneImport.objects.exists() and not Script.objects.exists()


def test_admin_import_of_a_long_scene_goes_to_the_worker(curator_client, settings):
    settings.SCENE_IMPORT_INLINE_MAX_SECONDS = 2.0
    upload = curator_client.post(
        reverse("admin:scripts_script_import"), import_form(tone(5.0), SRT)
    )

    confirm = curator_client.post(upload["Location"], {"confirm": "Import"})
    progress_page = curator_client.get(confirm["Location"]).content.decode()

    scene_import = SceneImport.objects.get()
    assert scene_import.status == ImportStatus.QUEUED
    assert confirm["Location"] == reverse(
        "admin:scripts_sceneimport_change", args=[scene_import.pk]
    )
    assert '<meta http-equiv="refresh"' in progress_page
    assert '<progress max="100" value="0"' in progress_page
    assert not Script.objects.exists()


def test_learner_is_refused_the_admin(client, learner):
    client.force_login(learner)

    for name in ("admin:scripts_script_changelist", "admin:scripts_script_import"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_without_curator_permissions_cannot_import(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(reverse("admin:scripts_script_import")).status_code == 403
    assert client.get(reverse("admin:scripts_script_changelist")).status_code == 403
    assert not Line.objects.exists()
