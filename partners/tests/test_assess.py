"""POST /api/v1/assess with real audio (espeak-ng) and the real engine, run by a worker
thread on the StubBroker: synchronous answers, queued jobs, signed callbacks, usage and
retention."""

import hashlib
import hmac
import io
import json

import pytest
import soundfile
from django.core.files.uploadedfile import SimpleUploadedFile

from partners import services
from partners.models import CallbackDelivery, DailyUsage, JobStatus, PartnerJob
from partners.tasks import deliver_partner_callback, score_partner_job
from partners.tests.conftest import key_client
from partners.tests.factories import make_key, make_partner
from practice.tests.conftest import LINE_TEXT, espeak_wav

pytestmark = [pytest.mark.django_db(transaction=True)]

TEXT = "Please call Stella and ask her to bring these things with her from the store."
OTHER = "The weather was lovely so we walked along the river to the station."
SCORES = ("pronunciation_score", "intonation_score", "timing_score", "overall_score")


def wav(text: str = TEXT, **voice) -> SimpleUploadedFile:
    return SimpleUploadedFile("take.wav", espeak_wav(text, **voice), content_type="audio/wav")


def seconds(upload: SimpleUploadedFile) -> float:
    upload.seek(0)
    info = soundfile.info(io.BytesIO(upload.read()))
    upload.seek(0)
    return info.frames / info.samplerate


def assess(secret: str, **fields):
    return key_client(secret).post("/api/v1/assess", fields, format="multipart")


def queued(worker, secret: str, **fields):
    """A request answered 202 while the worker waits: the in-memory SQLite of the tests
    locks whole tables, so the request and the job must not write at the same time."""
    worker.pause()
    try:
        return assess(secret, **fields)
    finally:
        worker.resume()


def drain(broker, worker) -> None:
    broker.join(score_partner_job.queue_name, fail_fast=True)
    worker.join()


def test_a_short_take_of_a_text_is_scored_in_the_request_against_a_synthetic_reading(
    stub_worker, partner, api_key, media
):
    secret = api_key[1]

    good = assess(secret, audio=wav(voice="en-us+f3"), text=TEXT, feedback_language="ko")
    wrong = assess(secret, audio=wav(OTHER, voice="en-us+f3"), text=TEXT)

    assert good.status_code == 200, good.content
    body = good.json()
    assert (body["status"], body["synchronous"], body["error"]) == ("completed", True, "")
    assert all(0 <= body[name] <= 100 for name in SCORES)
    assert body["emotion_score"] is None  # nothing to compare feeling with
    assert body["comparisons"]["reference"] == "synthetic"
    assert {m["dimension"] for m in body["comparisons"]["not_compared"]} == {"emotion", "onset"}
    assert "없어요" in body["comparisons"]["not_compared"][0]["reason"]  # feedback in Korean
    assert [w["text"] for w in body["detailed_feedback"]["words"]] == TEXT.split()
    assert "onset" not in body["detailed_feedback"]["timing"]["components"]
    # Another sentence read for this text: the scores come from the audio.
    assert wrong.status_code == 200
    assert wrong.json()["pronunciation_score"] < body["pronunciation_score"] - 20
    assert wrong.json()["overall_score"] < body["overall_score"]
    assert wrong.json()["tips"] and all(tip["text"] for tip in wrong.json()["tips"])
    assert not any("actor" in tip["text"] for tip in wrong.json()["tips"])


@pytest.mark.parametrize(
    ("text", "declared"),
    [("오늘은 정말 좋은 날이에요.", None), ("Arigatou gozaimasu, sensei.", "ja")],
    ids=["hangul-read-as-korean", "declared-japanese"],
)
def test_a_text_in_a_language_without_a_synthetic_voice_needs_a_reference_recording(
    partner, api_key, media, text, declared
):
    key, secret = api_key
    fields = {"audio": wav(), "text": text}
    if declared:
        fields["text_language"] = declared

    response = assess(secret, **fields)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "reference_required"
    assert "reference_audio" in response.json()["detail"]
    assert not PartnerJob.objects.exists()
    assert not list(media.rglob("*.wav"))  # the take was not stored
    usage = DailyUsage.objects.get(key=key)
    assert (usage.requests, usage.errors, usage.assessments, usage.audio_seconds) == (1, 1, 0, 0)


def test_a_catalogue_line_is_compared_with_its_actor(stub_worker, partner, api_key, media, line):
    response = assess(api_key[1], audio=wav(LINE_TEXT, voice="en-us+m3"), line_id=line.pk)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["line_id"], body["text"]) == ("completed", line.pk, LINE_TEXT)
    assert body["comparisons"] == {
        "reference": "actor",
        "compared": body["comparisons"]["compared"],
        "not_compared": [],
    }
    assert all(0 <= body[name] <= 100 for name in (*SCORES, "emotion_score"))


def test_a_text_is_compared_with_the_partners_reference_recording(
    stub_worker, partner, api_key, media
):
    response = assess(
        api_key[1],
        audio=wav(voice="en-us+f3"),
        text=TEXT,
        reference_audio=wav(voice="en-us+m2"),
    )

    body = response.json()
    assert (response.status_code, body["status"]) == (200, "completed"), response.content
    assert body["comparisons"]["reference"] == "recording"
    assert body["emotion_score"] is not None
    assert [m["dimension"] for m in body["comparisons"]["not_compared"]] == ["onset"]


def test_long_takes_are_queued_and_their_polled_scores_come_from_their_audio(
    settings, stub_worker, partner, api_key, media
):
    settings.PARTNER_SYNC_MAX_SECONDS = 1.0  # every take here is longer
    broker, worker = stub_worker

    accepted = queued(worker, api_key[1], audio=wav(voice="en-us+f3"), text=TEXT)
    # Another sentence read for the same text, queued the same way.
    accepted_wrong = queued(worker, api_key[1], audio=wav(OTHER, voice="en-us+f3"), text=TEXT)
    drain(broker, worker)
    polled = key_client(api_key[1]).get(accepted.json()["status_url"])
    wrong = key_client(api_key[1]).get(accepted_wrong.json()["status_url"]).json()

    assert (accepted.status_code, accepted_wrong.status_code) == (202, 202), accepted.content
    assert accepted.json()["status"] in ("queued", "running")
    assert accepted.json()["pronunciation_score"] is None  # not scored in the request
    assert polled.status_code == 200
    body = polled.json()
    assert (body["status"], body["synchronous"]) == ("completed", False)
    assert body["job_id"] == accepted.json()["job_id"]
    assert all(0 <= body[name] <= 100 for name in SCORES)
    assert [w["text"] for w in body["detailed_feedback"]["words"]] == TEXT.split()
    # The worker scored each take's own audio: the right reading scores clearly higher.
    assert wrong["status"] == "completed"
    assert wrong["pronunciation_score"] < body["pronunciation_score"] - 20
    assert wrong["overall_score"] < body["overall_score"]


def test_the_callback_is_signed_retried_after_a_failure_and_not_after_success(
    settings, stub_worker, partner, api_key, media, callback_server
):
    settings.PARTNER_CALLBACK_MIN_BACKOFF_MS = 10
    broker, worker = stub_worker
    callback_server.statuses = [500]  # the first delivery fails, the second succeeds

    accepted = queued(worker, api_key[1], audio=wav(), text=TEXT, callback_url=callback_server.url)
    drain(broker, worker)

    job = PartnerJob.objects.get(job_id=accepted.json()["job_id"])
    assert accepted.status_code == 202  # a callback was asked for: answered at once
    assert job.status == JobStatus.COMPLETED
    assert len(callback_server.received) == 2
    deliveries = list(CallbackDelivery.objects.filter(job=job).order_by("attempt"))
    assert [(d.attempt, d.status_code, d.delivered) for d in deliveries] == [
        (1, 500, False),
        (2, 200, True),
    ]
    delivered = callback_server.received[-1]
    timestamp = delivered.headers["X-YouSync-Timestamp"]
    expected = hmac.new(
        partner.callback_secret.encode(), f"{timestamp}.".encode() + delivered.body, hashlib.sha256
    ).hexdigest()
    assert delivered.headers["X-YouSync-Signature"] == f"sha256={expected}"
    result = json.loads(delivered.body)
    assert (result["job_id"], result["status"]) == (str(job.job_id), "completed")
    assert result["overall_score"] == job.overall

    # Delivered: another message for it posts nothing.
    deliver_partner_callback.send(job.pk)
    drain(broker, worker)
    assert len(callback_server.received) == 2
    assert services.partner_callback_deliver(job_pk=job.pk) is None


def test_usage_equals_what_was_sent_and_stays_with_its_partner(
    stub_worker, partner, api_key, media
):
    secret = api_key[1]
    takes = [wav(voice="en-us+f3"), wav(voice="en-us+m3", speed=140)]
    sent_seconds = sum(seconds(take) for take in takes)
    for take in takes:
        assert assess(secret, audio=take, text=TEXT).status_code == 200
    assess(secret, audio=SimpleUploadedFile("x.wav", b"not audio"), text=TEXT)  # 415
    other_key, other_secret = make_key(make_partner("Other Studio"))

    usage = key_client(secret).get("/api/v1/usage").json()
    job_id = PartnerJob.objects.filter(partner=partner).first().job_id
    foreign = key_client(other_secret).get(f"/api/v1/jobs/{job_id}")
    others = key_client(other_secret).get("/api/v1/usage").json()

    (today,) = usage["days"]
    assert (today["requests"], today["errors"], today["assessments"]) == (3, 1, 2)
    assert today["audio_seconds"] == pytest.approx(sent_seconds, abs=0.01)
    assert usage["quota"]["audio_seconds_used"] == pytest.approx(sent_seconds, abs=0.01)
    assert today["latency_p50_ms"] > 0 and today["latency_p95_ms"] >= today["latency_p50_ms"]
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    assert [(d["key"], d["assessments"]) for d in others["days"]] == [(other_key.display, 0)]
    assert others["quota"]["audio_seconds_used"] == 0
    assert not DailyUsage.objects.filter(key=other_key, assessments__gt=0).exists()


def test_audio_is_deleted_after_scoring_unless_the_plan_keeps_it(stub_worker, media):
    deleting = make_key(make_partner("Deletes", audio_retention_days=0))[1]
    keeping = make_key(make_partner("Keeps", audio_retention_days=7))[1]

    for secret in (deleting, keeping):
        assert assess(secret, audio=wav(), text=TEXT).json()["status"] == "completed"

    deleted = PartnerJob.objects.get(partner__name="Deletes")
    kept = PartnerJob.objects.get(partner__name="Keeps")
    assert (deleted.audio.name, deleted.audio_deleted_at is not None) == ("", True)
    assert list((media / "partners").rglob("*.wav")) == [media / kept.audio.name]
    assert kept.audio_delete_after is not None and kept.audio_deleted_at is None
    assert services.partner_audio_purge(now=kept.audio_delete_after) == 1
    assert list((media / "partners").rglob("*.wav")) == []
