"""The guide voice: real Festival synthesis on short texts (about a second a line)."""

import io
import logging
import stat

import dramatiq
import numpy as np
import pytest
import soundfile
from django.core.files.storage import default_storage
from django.core.management import call_command

from scripts import guide, services, tts
from scripts.models import Language, Line
from scripts.tasks import make_guide_voice
from scripts.tests.factories import LineFactory, tone
from scripts.tests.test_import import DETAILS, SRT, upload


@pytest.fixture(autouse=True)
def _guide_voice_on(settings):
    settings.GUIDE_VOICE = True  # off for the other tests (pyproject.toml)


def decoded(file) -> tuple[np.ndarray, int]:
    with file.open("rb") as handle:
        samples, rate = soundfile.read(io.BytesIO(handle.read()), dtype="float32")
    return samples, rate


def media_jobs(broker) -> list[int]:
    messages = [dramatiq.Message.decode(data) for data in broker.queues["media"].queue]
    return [m.args[0] for m in messages if m.actor_name == "make_guide_voice"]


@pytest.fixture
def broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


@pytest.mark.django_db
def test_guide_voice_decodes_has_speech_and_its_slow_reading_is_longer():
    line = LineFactory(text="Hold the door!")

    assert guide.line_make_guide_voice(line=line) is True

    line.refresh_from_db()
    normal, rate = decoded(line.guide_audio)
    slow, slow_rate = decoded(line.guide_audio_slow)
    assert rate == slow_rate == 16_000
    assert np.sqrt(np.mean(normal**2)) > 0.02 and np.abs(normal).max() > 0.1  # speech
    assert 0.5 < len(normal) / rate < 3.0
    assert len(slow) / len(normal) > 1.3  # the slow reading is the voice's own, not a pad
    words = line.guide["words"]
    assert [w["text"] for w in words] == ["Hold", "the", "door"]
    assert all(w["start"] < w["end"] <= len(normal) / rate for w in words)
    assert all(w["slow_start"] < w["slow_end"] <= len(slow) / rate for w in words)
    assert words[-1]["slow_end"] - words[0]["slow_start"] > words[-1]["end"] - words[0]["start"]
    # A word cut from the clip by its span is speech, not silence.
    door = normal[int(words[2]["start"] * rate) : int(words[2]["end"] * rate)]
    assert np.abs(door).max() > 0.1


@pytest.mark.django_db
def test_guide_voice_is_made_again_when_the_text_changes_and_not_otherwise():
    line = LineFactory(text="Good morning.")
    guide.line_make_guide_voice(line=line)
    first = (line.guide_audio.name, line.guide_audio_slow.name)

    assert guide.line_make_guide_voice(line=line) is False  # current: nothing to do
    assert (line.guide_audio.name, line.guide_audio_slow.name) == first

    line.text = "Good night."
    line.save()
    assert guide.guide_body(line) is None  # the old reading is never served for new text
    assert guide.line_make_guide_voice(line=line) is True

    line.refresh_from_db()
    assert line.guide["text"] == "Good night."
    assert [w["text"] for w in line.guide["words"]] == ["Good", "night"]
    assert line.guide_audio.name not in first
    assert not any(default_storage.exists(name) for name in first)  # old files removed


@pytest.mark.django_db
def test_guide_body_and_the_api_give_urls_and_word_spans(client):
    line = LineFactory(text="Run!")
    guide.line_make_guide_voice(line=line)

    token = client.get(f"/api/tokens/{line.pk}/").json()
    script = client.get(f"/api/scripts/{line.script_id}/").json()

    body = token["guide"]
    assert script["tokens"][0]["guide"] == body
    assert body["synthetic"] is True
    assert body["voice"] == "festival:cmu_us_slt_arctic_hts"
    assert body["url"].startswith("http://testserver/media/guide/")
    assert body["slow_url"].endswith("-slow.flac")
    assert body["slow_factor"] == 1.5
    assert [set(w) for w in body["words"]] == [{"text", "start", "end", "slow_start", "slow_end"}]
    # Pages get the same object with site-relative URLs.
    line = Line.objects.select_related("script").get(pk=line.pk)
    assert guide.guide_body(line)["url"].startswith("/media/guide/")


@pytest.mark.django_db
def test_guide_voice_switched_off_per_script_queues_nothing_and_shows_nothing(
    client, broker, django_capture_on_commit_callbacks
):
    line = LineFactory(text="Over here.")
    guide.line_make_guide_voice(line=line)
    line.script.guide_voice = False
    line.script.save()
    line.text = "Over there."
    line.save()

    with django_capture_on_commit_callbacks(execute=True):
        queued = guide.lines_queue_guide_voice(lines=[line])

    assert queued == 0 and media_jobs(broker) == []
    assert guide.line_make_guide_voice(line=line) is False
    assert client.get(f"/api/tokens/{line.pk}/").json()["guide"] is None


@pytest.mark.django_db
def test_lines_without_a_voice_for_their_language_get_no_guide(broker):
    line = LineFactory(text="안녕하세요.", script__language=Language.KOREAN)

    assert guide.lines_queue_guide_voice(lines=[line]) == 0
    assert guide.line_make_guide_voice(line=line) is False
    assert list(guide.lines_without_guide_voice()) == []


@pytest.mark.django_db
def test_scene_import_queues_a_guide_job_per_line(broker, django_capture_on_commit_callbacks):
    scene_import, _ = services.scene_import_prepare(
        details=DETAILS, audio_file=upload("a.wav", tone(6.0)), subtitles_file=upload("s.srt", SRT)
    )

    with django_capture_on_commit_callbacks(execute=True):
        script = services.scene_import_run(scene_import=scene_import)

    assert script is not None
    assert sorted(media_jobs(broker)) == sorted(script.lines.values_list("pk", flat=True))


@pytest.mark.django_db
def test_catch_up_lists_lines_whose_guide_is_missing_or_stale():
    made, stale, missing = LineFactory.create_batch(3, text="Yes.")
    guide.lines_make_guide_voice(lines=[made, stale])
    Line.objects.filter(pk=stale.pk).update(text="No.")

    assert sorted(line.pk for line in guide.lines_without_guide_voice()) == sorted(
        [stale.pk, missing.pk]
    )


def test_make_guide_voice_returns_quietly_when_the_line_is_gone(stub_worker):
    make_guide_voice.send(987654)

    stub_worker.join("media", fail_fast=True)  # raises if the actor failed


def test_a_curators_edit_has_the_worker_make_the_guide_voice(stub_worker, admin_client):
    line = LineFactory(text="Wait.")
    form = {
        "script": line.script_id,
        "position": line.position,
        "text": "Wait for me.",
        "translation": "",
        "start_time": line.start_time,
        "end_time": line.end_time,
    }

    response = admin_client.post(f"/admin/scripts/line/{line.pk}/change/", form)
    stub_worker.join("media", fail_fast=True)

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.guide["text"] == "Wait for me."
    assert decoded(line.guide_audio)[0].size > 0


@pytest.mark.django_db
def test_unreadable_tts_output_is_logged_and_the_line_stays_usable(
    client, caplog, monkeypatch, tmp_path
):
    # A stand-in for the festival program that writes junk where the WAV files go.
    fake = tmp_path / "festival"
    fake.write_text(
        "#!/bin/sh\n"
        'for f in $(grep -o \'"[^"]*[.]wav"\' "$2" | tr -d \'"\'); do echo junk > "$f"; done\n'
        "printf 'T 0n 0 Look\\nW 0n 0 0.1 0.4\\nT 0s 0 Look\\nW 0s 0 0.1 0.6\\n'\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(tts, "FESTIVAL", str(fake))
    line = LineFactory(text="Look out!")

    with caplog.at_level(logging.ERROR, logger="scripts.guide"):
        made = guide.line_make_guide_voice(line=line)

    assert made is False
    assert f"guide voice for line {line.pk} is unusable" in caplog.text
    line.refresh_from_db()
    assert line.guide is None and not line.guide_audio
    token = client.get(f"/api/tokens/{line.pk}/")
    assert token.status_code == 200 and token.json()["guide"] is None
    assert client.get(f"/api/tokens/{line.pk}/").json()["text"] == "Look out!"


@pytest.mark.django_db
def test_a_failing_festival_is_logged_with_its_reason(caplog, monkeypatch):
    monkeypatch.setattr(tts, "FESTIVAL", "false")  # exits 1, says nothing
    line = LineFactory(text="Stop.")

    with caplog.at_level(logging.ERROR, logger="scripts.guide"):
        assert guide.line_make_guide_voice(line=line) is False

    assert f"guide voice failed for lines {line.pk}: Festival failed (exit 1)" in caplog.text


@pytest.mark.django_db
def test_guide_voice_command_makes_the_missing_ones_once():
    lines = LineFactory.create_batch(2, text="Hi.")
    out = io.StringIO()

    call_command("guide_voice", stdout=out)
    call_command("guide_voice", stdout=out)

    assert "2 of 2 lines made" in out.getvalue()
    assert "nothing to make" in out.getvalue()
    assert all(guide.guide_is_current(Line.objects.get(pk=line.pk)) for line in lines)


def test_speakable_text_is_plain_ascii_for_festival():
    assert tts.speakable("I’m “fine” — café…") == 'I\'m "fine" - cafe...'
    assert not tts.can_speak("…!?")
    assert tts.can_speak("42")
