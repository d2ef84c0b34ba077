"""The learner's data export (GET /api/me/export, /me/export/): a zip of JSON and the
recordings still kept, streamed, for the signed-in learner only."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.utils import timezone

from practice import retention
from practice.tests.conftest import api_client
from practice.tests.factories import (
    AttemptFactory,
    BookmarkFactory,
    PracticeSessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def unzip(response) -> zipfile.ZipFile:
    assert isinstance(response, StreamingHttpResponse)
    chunks = list(response.streaming_content)
    # Streamed a piece at a time: no chunk holds a whole 300 kB recording.
    assert max(len(chunk) for chunk in chunks) < 300_000
    return zipfile.ZipFile(io.BytesIO(b"".join(chunks)))


@pytest.fixture
def history(settings, django_capture_on_commit_callbacks):
    """A learner with two kept takes, one whose recording expired, a session and a
    bookmark; and another learner with a take of their own."""
    settings.RECORDING_RETENTION_DAYS = 90
    learner = UserFactory(email="hana@example.com", display_name="Hana")
    session = PracticeSessionFactory(user=learner)
    takes = [
        AttemptFactory(
            user=learner,
            session=session,
            overall=70.0 + n,
            recording=default_storage.save(
                f"attempts/test/export-{n}.webm", ContentFile(bytes([n]) * 300_000)
            ),
        )
        for n in range(2)
    ]
    old = AttemptFactory(
        user=learner,
        recording=default_storage.save("attempts/test/export-old.webm", ContentFile(b"old")),
        created_at=timezone.now() - timedelta(days=100),
    )
    with django_capture_on_commit_callbacks(execute=True):
        retention.recordings_expire()
    BookmarkFactory(user=learner)
    other = AttemptFactory(
        user=UserFactory(email="other@example.com"),
        recording=default_storage.save("attempts/test/other.webm", ContentFile(b"theirs")),
    )
    return {"learner": learner, "takes": takes, "old": old, "other": other}


def test_export_zip_has_the_learners_data_as_json_and_their_recordings(history):
    learner, takes, old = history["learner"], history["takes"], history["old"]

    response = api_client(learner).get("/api/me/export")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="yousync-data-')
    archive = unzip(response)
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {
        "README.txt",
        "account.json",
        "attempts.json",
        "sessions.json",
        "bookmarks.json",
        "statistics.json",
    } <= names
    account = json.loads(archive.read("account.json"))
    assert (account["email"], account["display_name"]) == ("hana@example.com", "Hana")
    attempts = {a["job_id"]: a for a in json.loads(archive.read("attempts.json"))}
    assert set(attempts) == {str(a.job_id) for a in [*takes, old]}
    for n, take in enumerate(takes):
        row = attempts[str(take.job_id)]
        assert row["overall"] == 70.0 + n
        assert row["detailed_feedback"]["words"]
        assert row["line_text"] == take.line.text
        assert row["recording"] == f"recordings/{take.job_id}.webm"
        assert archive.read(row["recording"]) == bytes([n]) * 300_000
    expired = attempts[str(old.job_id)]
    assert expired["recording"] is None and expired["recording_expired_at"]
    assert expired["overall"] == old.overall
    assert len(json.loads(archive.read("sessions.json"))) == 1
    assert len(json.loads(archive.read("bookmarks.json"))) == 1
    statistics = json.loads(archive.read("statistics.json"))
    assert statistics["totals"]["attempt_count"] == 3
    assert len([n for n in names if n.startswith("recordings/")]) == 2


def test_export_holds_nothing_of_another_learner(history):
    other = history["other"]

    archive = unzip(api_client(history["learner"]).get("/api/me/export"))

    assert str(other.job_id) not in archive.read("attempts.json").decode()
    assert f"recordings/{other.job_id}.webm" not in archive.namelist()
    theirs = unzip(api_client(other.user).get("/api/me/export"))
    assert [a["job_id"] for a in json.loads(theirs.read("attempts.json"))] == [str(other.job_id)]


def test_export_needs_a_signed_in_learner(client):
    response = client.get("/api/me/export")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_export_on_the_web_is_the_same_zip(client, history):
    client.force_login(history["learner"])

    archive = unzip(client.get("/me/export/"))

    assert len(json.loads(archive.read("attempts.json"))) == 3
    assert client.logout() is None
    assert client.get("/me/export/").status_code == 302  # to the sign-in page


def test_export_accepts_an_application_zip_accept_header(history):
    response = api_client(history["learner"]).get("/api/me/export", HTTP_ACCEPT="application/zip")

    assert response.status_code == 200
    assert unzip(response).testzip() is None


def test_export_skips_a_recording_missing_from_storage(history):
    take = history["takes"][0]
    default_storage.delete(take.recording.name)

    archive = unzip(api_client(history["learner"]).get("/api/me/export"))

    assert f"recordings/{take.job_id}.webm" not in archive.namelist()
    assert f"recordings/{history['takes'][1].job_id}.webm" in archive.namelist()


def test_export_streams_under_asgi_too(async_client, history):
    """Under ASGI the body is an async iterator, made chunk by chunk in Django's sync
    thread (a sync one would be read whole into memory first)."""
    async_client.force_login(history["learner"])

    async def fetch():
        response = await async_client.get("/me/export/")
        return response, b"".join([chunk async for chunk in response.streaming_content])

    # async_to_sync from this thread: the view's database reads run here, in the test's
    # transaction.
    response, body = async_to_sync(fetch)()

    assert response.is_async
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert len(json.loads(archive.read("attempts.json"))) == 3
