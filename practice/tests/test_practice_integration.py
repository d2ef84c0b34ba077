"""The attempt lifecycle with the real parts: uvicorn, a `rundramatiq` worker process,
Redis (broker + channel layer), PostgreSQL and S3 (moto)."""

import asyncio
import json
import re

import pytest
import requests
import websockets
from django.conf import settings
from django.test import Client

from analysis.engine import STAGES
from practice.models import Attempt, AttemptStatus
from practice.tests.conftest import LINE_TEXT, api_client, espeak_wav
from practice.tests.factories import UserFactory
from yousync.testing import child_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def logged_in_session(server, user) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


def upload(session: requests.Session, server, line, data: bytes) -> dict:
    """As the practice page does: the API with the session and the page's CSRF token."""
    page = session.get(f"{server.base_url}/lines/{line.id}/practice/", timeout=10)
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'data-csrf-token="([^"]+)"', page.text).group(1)
    upload_url = re.search(r'data-upload-url="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{server.base_url}{upload_url}",
        files={"audio_file": ("take.webm", data, "audio/webm")},
        headers={"X-CSRFToken": token, "Referer": f"{server.base_url}/"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()


async def collect_progress(server, session, job_id: str) -> list[dict]:
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    url = f"ws://127.0.0.1:{server.port}/ws/attempts/{job_id}/"
    states = []
    async with websockets.connect(
        url, origin=server.base_url, additional_headers={"Cookie": cookie}, open_timeout=10
    ) as ws:
        async for raw in ws:  # the server closes after the final state
            states.append(json.loads(raw))
    return states


def test_upload_is_scored_by_a_worker_process_with_live_progress(
    processes, learner, line, s3_bucket
):
    env = child_env()
    server = processes.server(env)
    processes.worker(env)
    session = logged_in_session(server, learner)

    accepted = upload(session, server, line, espeak_wav(LINE_TEXT, voice="en-us+f2"))
    states = asyncio.run(
        asyncio.wait_for(collect_progress(server, session, accepted["job_id"]), 180)
    )

    attempt = Attempt.objects.get(job_id=accepted["job_id"])
    assert accepted["status"] == "queued"
    assert attempt.status == AttemptStatus.COMPLETED, attempt.error_message
    assert attempt.recording.name.startswith("attempts/")
    assert s3_bucket.head_object(
        Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=attempt.recording.name
    )
    assert states[-1]["status"] == "completed"
    assert states[-1]["scores"]["overall"] == attempt.overall
    progress = [s["progress"] for s in states]
    assert progress == sorted(progress)
    stages = [s["stage"] for s in states]
    # A late subscriber may miss early stages, but what it sees comes in engine order.
    engine_order = list(STAGES)
    seen = [s for s in stages if s in engine_order]
    assert seen == sorted(seen, key=engine_order.index)


def test_killing_the_worker_mid_job_still_completes_the_attempt(processes, learner, line):
    # Short stale timeout so the scheduler's next reaper job picks the attempt up at once.
    env = child_env(ATTEMPT_STALE_SECONDS="2", REAPER_INTERVAL_SECONDS="1")
    server = processes.server(env)
    processes.scheduler(env)  # the one scheduler, as in production (not a worker thread)
    first_worker = processes.worker(env)
    session = logged_in_session(server, learner)
    long_take = espeak_wav(" ".join([LINE_TEXT] * 5), voice="en-us+f2")

    accepted = upload(session, server, line, long_take)
    wait_until(
        lambda: Attempt.objects.filter(
            job_id=accepted["job_id"], status=AttemptStatus.RUNNING
        ).exists(),
        timeout=120,
    )
    first_worker.kill()  # SIGKILL the whole worker process group mid-job
    stranded = Attempt.objects.get(job_id=accepted["job_id"])
    processes.worker(env)

    finished = wait_until(
        lambda: Attempt.objects.filter(
            job_id=accepted["job_id"], status__in=[AttemptStatus.COMPLETED, AttemptStatus.FAILED]
        ).first(),
        timeout=180,
        interval=0.5,
    )

    assert stranded.status == AttemptStatus.RUNNING
    assert finished.status == AttemptStatus.COMPLETED, finished.error_message
    assert finished.tries >= 2
    assert 0 <= finished.overall <= 100


def test_direct_upload_to_s3_then_confirm_creates_one_attempt(
    client, learner, line, s3_bucket, django_capture_on_commit_callbacks
):
    client.force_login(learner)  # the practice page's session (the test client skips CSRF)
    offer = client.post(f"/api/tokens/{line.id}/upload-url").json()
    policy = json.loads(__import__("base64").b64decode(offer["fields"]["policy"]))
    take = espeak_wav(LINE_TEXT)

    uploaded = requests.post(
        offer["url"],
        data={**offer["fields"], "Content-Type": "audio/wav"},
        files={"file": ("take.wav", take, "audio/wav")},
        timeout=30,
    )
    with django_capture_on_commit_callbacks(execute=False):
        confirmed = client.post(
            offer["confirm_url"],
            {"upload_token": offer["upload_token"]},
            content_type="application/json",
        )
        again = client.post(
            offer["confirm_url"],
            {"upload_token": offer["upload_token"]},
            content_type="application/json",
        )

    assert uploaded.status_code in (200, 204), uploaded.text
    assert ["content-length-range", 1, settings.MAX_UPLOAD_BYTES] in policy["conditions"]
    assert ["starts-with", "$Content-Type", "audio/"] in policy["conditions"]
    assert confirmed.status_code == 202, confirmed.json()
    assert confirmed.json()["job_id"] == offer["job_id"] == again.json()["job_id"]
    attempt = Attempt.objects.get()
    assert str(attempt.job_id) == offer["job_id"]
    with attempt.recording.open("rb") as stored:
        assert stored.read() == take
    # The staging object is gone; the recording lives under attempts/.
    staged = s3_bucket.list_objects_v2(
        Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=f"uploads/{learner.id}/"
    )
    assert staged.get("KeyCount", 0) == 0


def test_direct_upload_confirm_refuses_another_learners_token(client, learner, other_learner, line):
    client.force_login(learner)
    offer = client.post(f"/api/tokens/{line.id}/upload-url").json()
    client.force_login(other_learner)

    response = client.post(
        offer["confirm_url"],
        {"upload_token": offer["upload_token"]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_upload_token"
    assert not Attempt.objects.exists()


def test_api_upload_url_then_confirm_with_a_bearer_token(learner, line, s3_bucket):
    client = api_client(learner)
    offer = client.post(f"/api/tokens/{line.id}/upload-url")
    assert offer.status_code == 200, offer.json()
    offer = offer.json()
    take = espeak_wav(LINE_TEXT)
    uploaded = requests.post(
        offer["url"],
        data={**offer["fields"], "Content-Type": "audio/wav"},
        files={"file": ("take.wav", take, "audio/wav")},
        timeout=30,
    )
    assert uploaded.status_code in (200, 204), uploaded.text

    confirm = f"/api/attempts/{offer['job_id']}/confirm"
    assert offer["confirm_url"] == confirm
    confirmed = client.post(confirm, {"upload_token": offer["upload_token"]}, format="json")
    again = client.post(confirm, {"upload_token": offer["upload_token"]}, format="json")
    stranger = api_client(UserFactory()).post(
        confirm, {"upload_token": offer["upload_token"]}, format="json"
    )

    assert confirmed.status_code == again.status_code == 202, confirmed.json()
    assert confirmed.json()["job_id"] == again.json()["job_id"] == offer["job_id"]
    assert confirmed.json()["result_url"] == f"/api/tokens/analysis-result/{offer['job_id']}"
    assert stranger.status_code == 400
    assert stranger.json()["code"] == "invalid_upload_token"
    attempt = Attempt.objects.get()
    assert (attempt.user, attempt.line, attempt.content_type) == (learner, line, "audio/wav")
    with attempt.recording.open("rb") as stored:
        assert stored.read() == take
    result = client.get(confirmed.json()["result_url"]).json()
    assert (result["job_id"], result["status"]) == (offer["job_id"], "queued")
