"""Reels in service mode: takes stored on S3 (moto), the build queued through Redis and
done by a `rundramatiq` worker process on the `media` queue alone, as compose's
media-worker runs it; the reel is fetched by its presigned URL."""

import urllib.request

import dramatiq
import numpy as np
import pytest
from django.conf import settings
from scipy.signal import correlate

from dubbing import reel
from dubbing.models import Reel
from dubbing.tests.conftest import (
    RATE,
    SCENE_SECONDS,
    TAKE_LEAD,
    TAKE_VOICE,
    api_client,
    score,
    take_samples,
    upload_take,
)
from yousync.testing import child_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def stored_keys(s3_bucket, prefix: str) -> set[str]:
    listed = s3_bucket.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.fixture
def no_scoring_messages():
    """The takes are scored by the test (attempt_finish) and nothing consumes `default`
    here: its scoring messages are dropped rather than left to a later test's worker."""
    yield
    dramatiq.get_broker().flush("default")


def test_a_media_worker_builds_the_reel_from_takes_on_s3_and_presigns_it(
    processes, s3_bucket, session, scene, learner, no_scoring_messages
):
    takes = [
        score(upload_take(session, line, seed=line.position))
        for line in scene.role_lines(scene.mara)
    ]
    assert {take.recording.name for take in takes} <= stored_keys(s3_bucket, "attempts/")
    worker = processes.worker(child_env(), queues=["media"])
    client = api_client(learner)
    reel_url = f"/api/scene-sessions/{session.public_id}/reel"

    def finished():
        answer = client.get(reel_url).json()
        return answer if answer["status"] in ("ready", "failed") else None

    requested = client.post(reel_url)
    body = wait_until(finished, 120, "the media worker to build the reel")

    assert requested.status_code == 202, requested.content
    assert body["status"] == "ready", (body, worker.log()[-3000:])
    built = Reel.objects.get(session=session)
    assert {built.audio_m4a.name, built.audio_opus.name} <= stored_keys(s3_bucket, "reels/")
    for kind in ("m4a_url", "opus_url"):
        assert "X-Amz-Signature=" in body[kind] and "X-Amz-Expires=" in body[kind]
    decoded = reel.decode(download(body["m4a_url"]))
    assert abs(len(decoded) / RATE - SCENE_SECONDS) <= 0.05
    opus = reel.decode(download(body["opus_url"]))
    assert abs(len(opus) / RATE - SCENE_SECONDS) <= 0.05
    assert body["duration"] == pytest.approx(SCENE_SECONDS, abs=0.05)
    # The takes read back from the bucket are the ones placed at their lines.
    for line in scene.role_lines(scene.mara):
        voice = take_samples(line.position)[
            int(TAKE_LEAD * RATE) : int((TAKE_LEAD + TAKE_VOICE) * RATE)
        ]
        scores = correlate(decoded, voice, mode="valid", method="fft")
        assert int(np.argmax(np.abs(scores))) / RATE == pytest.approx(line.start_time, abs=0.02)
