"""The partner API with the real parts: gunicorn, a `rundramatiq` worker process, Redis
(broker, cache, rate limits), PostgreSQL and S3 (moto); the callback goes to an HTTP
server in this process."""

import hashlib
import hmac
import json

import pytest
import requests
from django.conf import settings

from partners.models import CallbackDelivery, JobStatus, PartnerJob
from partners.tests.factories import make_key, make_partner
from practice.tests.conftest import espeak_wav
from yousync.testing import child_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TEXT = "Please call Stella and ask her to bring these things with her from the store."


def test_a_worker_process_scores_partner_takes_in_the_request_and_with_a_signed_callback(
    processes, callback_server, s3_bucket
):
    partner = make_partner()
    _key, secret = make_key(partner)
    # The first take also waits for the worker to load its models.
    env = child_env(PARTNER_SYNC_WAIT_SECONDS="150")
    server = processes.server(env, command="gunicorn")
    processes.worker(env)
    headers = {"Authorization": f"Bearer {secret}"}

    synchronous = requests.post(
        f"{server.base_url}/api/v1/assess",
        data={"text": TEXT},
        files={"audio": ("take.wav", espeak_wav(TEXT, voice="en-us+f3"), "audio/wav")},
        headers=headers,
        timeout=180,
    )
    queued = requests.post(
        f"{server.base_url}/api/v1/assess",
        data={"text": TEXT, "callback_url": callback_server.url, "feedback_language": "ko"},
        files={"audio": ("take.wav", espeak_wav(TEXT, voice="en-us+m3"), "audio/wav")},
        headers=headers,
        timeout=30,
    )
    wait_until(lambda: callback_server.received, 120, "the callback")

    assert synchronous.status_code == 200, synchronous.text
    assert synchronous.json()["status"] == "completed"
    assert synchronous.json()["synchronous"] is True
    assert 0 <= synchronous.json()["pronunciation_score"] <= 100
    assert synchronous.headers["X-RateLimit-Limit"] == "1000"
    assert queued.status_code == 202, queued.text
    (delivery,) = callback_server.received
    timestamp = delivery.headers["X-YouSync-Timestamp"]
    signature = hmac.new(
        partner.callback_secret.encode(), f"{timestamp}.".encode() + delivery.body, hashlib.sha256
    ).hexdigest()
    assert delivery.headers["X-YouSync-Signature"] == f"sha256={signature}"
    result = json.loads(delivery.body)
    assert (result["job_id"], result["status"]) == (queued.json()["job_id"], "completed")
    assert result["feedback_language"] == "ko"
    polled = requests.get(
        f"{server.base_url}{queued.json()['status_url']}", headers=headers, timeout=10
    )
    assert polled.json()["overall_score"] == result["overall_score"]
    job = PartnerJob.objects.get(job_id=result["job_id"])
    assert job.status == JobStatus.COMPLETED
    assert CallbackDelivery.objects.get(job=job).delivered
    # The plan keeps no audio: both takes are gone from the bucket.
    listed = s3_bucket.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix="partners/")
    names = " ".join(item["Key"] for item in listed.get("Contents", []))
    for job_id in (synchronous.json()["job_id"], result["job_id"]):
        assert job_id not in names
        assert PartnerJob.objects.get(job_id=job_id).audio_deleted_at is not None
    usage = requests.get(f"{server.base_url}/api/v1/usage", headers=headers, timeout=10).json()
    assert usage["days"][0]["assessments"] == 2
