"""The old mobile app's calls replayed, in its order, with its paths, methods and field
names (../shared/DESIGN.md "Mobile API contract", from the FastAPI guide): sign in with
Google, refresh, browse, upload a take, follow and read its analysis, bookmark, then the
my-page reads. Each response must carry the fields the app reads, with their types.
The scoring runs for real: a worker thread on the StubBroker with the engine."""

import json
import uuid

import dramatiq
import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

from accounts.tests.conftest import google
from analysis.tasks import score_attempt
from practice.tests.conftest import LINE_TEXT, espeak_wav, line, upload

__all__ = ["google", "line"]  # fixtures shared with the accounts and practice tests

pytestmark = pytest.mark.django_db(transaction=True)

SCORES = ("pronunciation_score", "intonation_score", "emotion_score", "timing_score")


@pytest.fixture
def stub_worker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield broker, worker
    worker.stop()
    broker.flush_all()


def is_score(value) -> bool:
    return isinstance(value, float | int) and 0 <= value <= 100


def sse_events(text: str) -> list[dict]:
    events = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and ": " in line)
        if "data" in fields:
            events.append({"event": fields.get("event"), "data": json.loads(fields["data"])})
    return events


def test_the_old_apps_calls_get_the_shapes_it_reads(client, google, line, stub_worker, settings):
    broker, worker = stub_worker
    settings.ANALYSIS_WEBHOOK_SECRET = "shared-with-the-analysis-server"

    # Sign in with Google: {id_token} -> {access_token, refresh_token, user}
    signed_in = client.post(
        "/api/auth/google", {"id_token": google.id_token()}, content_type="application/json"
    )
    assert signed_in.status_code == 200, signed_in.content
    tokens = signed_in.json()
    assert {"access_token", "refresh_token", "user"} <= tokens.keys()
    assert tokens["user"]["email"] == "minji@example.com"

    # Refresh: {refresh_token} -> {access_token}
    refreshed = client.post(
        "/api/auth/refresh",
        {"refresh_token": tokens["refresh_token"]},
        content_type="application/json",
    )
    assert refreshed.status_code == 200, refreshed.content
    access = refreshed.json()["access_token"]
    assert isinstance(access, str) and access != tokens["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}

    # The catalogue: scripts, one script with its tokens, one token.
    scripts = client.get("/api/scripts/", **auth).json()
    assert scripts["count"] == 1
    summary = scripts["results"][0]
    assert {"id", "title", "kind", "language", "difficulty"} <= summary.keys()
    script = client.get(f"/api/scripts/{summary['id']}/", **auth).json()
    token = script["tokens"][0]
    assert (token["id"], token["text"]) == (line.pk, LINE_TEXT)
    assert token["audio_url"].startswith("http")
    # Added since the old app: the guide voice, null until made (docs/guide-voice.md).
    assert token["guide"] is None or token["guide"]["synthetic"] is True
    single = client.get(f"/api/tokens/{line.pk}/", **auth).json()
    assert (single["id"], single["script"]["id"]) == (line.pk, summary["id"])

    # Upload a take: multipart audio_file -> 202 {job_id, status}
    uploaded = client.post(
        f"/api/tokens/{line.pk}/upload-audio",
        {"audio_file": upload(espeak_wav(LINE_TEXT), "take.wav", "audio/wav")},
        **auth,
    )
    assert uploaded.status_code == 202, uploaded.content
    job_id = uploaded.json()["job_id"]
    uuid.UUID(job_id)
    assert uploaded.json()["status"] == "queued"

    broker.join(score_attempt.queue_name, fail_fast=True)
    worker.join()

    # The result, under the old field names plus timing_score.
    result = client.get(f"/api/tokens/analysis-result/{job_id}", **auth).json()
    assert {
        "job_id",
        "status",
        "pronunciation_score",
        "intonation_score",
        "emotion_score",
        "timing_score",
        "overall_score",
        "detailed_feedback",
        "created_at",
    } <= result.keys()
    assert (result["job_id"], result["status"]) == (job_id, "completed")
    assert all(is_score(result[name]) for name in (*SCORES, "overall_score"))
    assert isinstance(result["detailed_feedback"], dict)
    assert [w["text"] for w in result["detailed_feedback"]["words"]] == LINE_TEXT.split()

    # Progress: text/event-stream; after the end it sends the final event and stops.
    async def progress():
        response = await AsyncClient().get(
            f"/api/tokens/analysis-progress/{job_id}", headers={"Authorization": f"Bearer {access}"}
        )
        body = b"".join([chunk async for chunk in response.streaming_content])
        return response, body.decode()

    stream, text = async_to_sync(progress)()
    assert stream["Content-Type"] == "text/event-stream"
    events = sse_events(text)
    assert [e["event"] for e in events] == ["completed"]
    assert events[0]["data"]["scores"]["overall"] == result["overall_score"]

    # My page: bookmark the token, then the lists and the overview.
    bookmarked = client.post(
        "/api/mypage/bookmarks/", {"token_id": line.pk}, content_type="application/json", **auth
    )
    assert bookmarked.status_code == 201, bookmarked.content
    bookmarks = client.get("/api/mypage/bookmarks/", **auth).json()
    assert [b["token_id"] for b in bookmarks["results"]] == [line.pk]
    assert bookmarks["results"][0]["token"]["text"] == LINE_TEXT
    dubbed = client.get("/api/mypage/my-dubbed-tokens", **auth).json()
    assert dubbed["count"] == 1
    mine = dubbed["results"][0]
    assert mine["token_id"] == line.pk
    assert mine["best_overall_score"] == mine["last_overall_score"] == result["overall_score"]
    overview = client.get("/api/mypage/overview", **auth).json()
    assert overview["totals"]["attempts"] == 1
    assert overview["averages"]["overall"] == pytest.approx(result["overall_score"])
    assert overview["streak"]["current"] == 1
    assert overview["recent_activity"][0]["job_id"] == job_id

    # The webhook is there for the external analysis server, and refuses unsigned calls.
    unsigned = client.post(
        "/api/tokens/webhook/analysis-complete",
        {"job_id": job_id, "status": "failed"},
        content_type="application/json",
    )
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "signature_missing"
