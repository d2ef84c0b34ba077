"""Storage hygiene on the practice side: recordings expire after RECORDING_RETENTION_DAYS
with their scores kept, unconfirmed direct uploads are swept after a day, and files go
with their rows only once the delete commits."""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from practice import retention, services
from practice.models import Attempt
from practice.tests.factories import AttemptFactory, LineFactory, UserFactory
from practice.views import result_context
from scripts.models import ImportStatus, SceneImport, Script
from scripts.services import scene_imports_delete

pytestmark = pytest.mark.django_db


def stored(name: str, data: bytes = b"RIFF take") -> str:
    return default_storage.save(name, ContentFile(data))


def test_recordings_expire_deletes_old_recordings_and_keeps_their_scores(
    settings, django_capture_on_commit_callbacks
):
    settings.RECORDING_RETENTION_DAYS = 90
    now = timezone.now()
    old = AttemptFactory(
        recording=stored("attempts/test/old.webm"), overall=81.0, created_at=now - timedelta(91)
    )
    young = AttemptFactory(
        recording=stored("attempts/test/young.webm"), created_at=now - timedelta(89)
    )
    old_name, young_name = old.recording.name, young.recording.name

    with django_capture_on_commit_callbacks(execute=True):
        expired = retention.recordings_expire(now=now)

    old.refresh_from_db()
    young.refresh_from_db()
    assert expired == 1
    assert not default_storage.exists(old_name)
    assert not old.recording and old.recording_expired and old.recording_expired_at == now
    assert (old.overall, old.status) == (81.0, "completed")
    assert old.detailed_feedback["words"]
    assert default_storage.exists(young_name) and not young.recording_expired


def test_recordings_expire_leaves_unfinished_attempts_and_can_be_switched_off(
    settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    queued = AttemptFactory(
        pending=True, recording=stored("attempts/test/q.webm"), created_at=now - timedelta(400)
    )
    done = AttemptFactory(recording=stored("attempts/test/d.webm"), created_at=now - timedelta(400))

    settings.RECORDING_RETENTION_DAYS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.recordings_expire(now=now) == 0
    settings.RECORDING_RETENTION_DAYS = 90
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.recordings_expire(now=now) == 1
        assert retention.recordings_expire(now=now) == 0  # nothing left to do

    queued.refresh_from_db()
    done.refresh_from_db()
    assert default_storage.exists(queued.recording.name) and not queued.recording_expired
    assert done.recording_expired


def test_recordings_expire_keeps_the_files_when_its_transaction_rolls_back(settings):
    settings.RECORDING_RETENTION_DAYS = 1
    attempt = AttemptFactory(
        recording=stored("attempts/test/rb.webm"), created_at=timezone.now() - timedelta(5)
    )

    with pytest.raises(RuntimeError), transaction.atomic():
        retention.recordings_expire()
        raise RuntimeError("the job dies before committing")

    attempt.refresh_from_db()
    assert attempt.recording and default_storage.exists(attempt.recording.name)


def test_result_page_of_an_expired_recording_says_so_and_plays_no_take(
    settings, django_capture_on_commit_callbacks
):
    settings.RECORDING_RETENTION_DAYS = 30
    attempt = AttemptFactory(
        recording=stored("attempts/test/page.webm"), created_at=timezone.now() - timedelta(31)
    )
    with django_capture_on_commit_callbacks(execute=True):
        retention.recordings_expire()
    attempt.refresh_from_db()

    context = result_context(attempt)
    with translation.override("en"):
        html = render_to_string(
            "practice/partials/listen.html",
            {**context, "words": [], "prefix": "result", "take_expired": attempt.recording_expired},
        )

    assert context["take_url"] is None
    assert "deleted after 30 days" in html
    assert 'data-track="take"' not in html


def test_result_context_names_the_take_while_it_is_kept():
    attempt = AttemptFactory(recording=stored("attempts/test/kept.webm"))

    assert result_context(attempt)["take_url"] == attempt.recording.url


def _age(name: str, hours: float) -> None:
    then = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(default_storage.path(name), (then, then))


def test_direct_uploads_sweep_deletes_unconfirmed_uploads_older_than_a_day():
    stale = stored("uploads/7/8d2c0d7e-stale")
    fresh = stored("uploads/7/1f0e9a3b-fresh")
    take = stored("attempts/test/not-an-upload.webm")
    _age(stale, 25)
    _age(take, 100)

    swept = retention.direct_uploads_sweep()

    assert swept == 1
    assert not default_storage.exists(stale)
    assert default_storage.exists(fresh) and default_storage.exists(take)


def test_deleting_an_attempt_deletes_its_recording_on_commit(django_capture_on_commit_callbacks):
    attempt = AttemptFactory(recording=stored("attempts/test/del.webm"))
    name = attempt.recording.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.attempts_delete(attempts=Attempt.objects.filter(pk=attempt.pk))
        assert default_storage.exists(name)  # still there until the commit
    for callback in callbacks:
        callback()

    assert not default_storage.exists(name)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_delete_keeps_the_files_and_a_committed_one_removes_them():
    attempt = AttemptFactory(recording=stored("attempts/test/tx.webm"))
    name = attempt.recording.name

    with pytest.raises(RuntimeError), transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).delete()
        raise RuntimeError("rolled back")
    assert Attempt.objects.filter(pk=attempt.pk).exists()
    assert default_storage.exists(name)

    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).delete()
        assert default_storage.exists(name)
    assert not default_storage.exists(name)


def test_deleting_a_line_takes_its_clips_and_its_attempts_recordings(
    django_capture_on_commit_callbacks,
):
    line = LineFactory(
        reference_audio=stored("lines/test/ref.flac"), guide_audio=stored("guide/test/g.flac")
    )
    attempt = AttemptFactory(
        line=line, user=UserFactory(), recording=stored("attempts/test/l.webm")
    )
    names = [line.reference_audio.name, line.guide_audio.name, attempt.recording.name]

    with django_capture_on_commit_callbacks(execute=True):
        line.delete()

    assert [default_storage.exists(name) for name in names] == [False, False, False]


def test_deleting_scene_imports_keeps_the_audio_a_script_plays(django_capture_on_commit_callbacks):
    played = stored("scenes/test/played.ogg")
    unused = stored("scenes/test/unused.ogg")
    Script.objects.create(
        title="T", work_title="W", kind="movie", language="en", scene_audio=played
    )
    fields = {"title": "T", "work_title": "W", "kind": "movie", "language": "en", "subtitles": ""}
    SceneImport.objects.create(audio=played, status=ImportStatus.COMPLETED, **fields)
    SceneImport.objects.create(audio=unused, status=ImportStatus.FAILED, **fields)

    with django_capture_on_commit_callbacks(execute=True):
        deleted = scene_imports_delete(imports=SceneImport.objects.all())

    assert deleted == 2
    assert default_storage.exists(played)
    assert not default_storage.exists(unused)
