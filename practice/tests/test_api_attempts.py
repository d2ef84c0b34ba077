"""The mobile practice API: uploads, direct-upload confirm and analysis results."""

import pytest
from rest_framework.test import APIClient

from practice.models import Attempt, AttemptStatus
from practice.tests.conftest import LINE_TEXT, api_client, espeak_wav, upload
from practice.tests.factories import diagnosed_feedback, not_assessed_feedback
from scripts.models import Line

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def take() -> bytes:
    return espeak_wav(LINE_TEXT)


def scored_attempt(user, line, **fields) -> Attempt:
    defaults = {
        "content_type": "audio/wav",
        "size_bytes": 10,
        "duration": 2.0,
        "status": AttemptStatus.COMPLETED,
        "stage": "done",
        "progress": 100,
        "pronunciation": 81.0,
        "intonation": 72.5,
        "timing": 90.0,
        "emotion": 66.0,
        "overall": 78.4,
        "detailed_feedback": {"tips": ["Stress 'never'."]},
    }
    return Attempt.objects.create(user=user, line=line, **{**defaults, **fields})


def test_upload_audio_queues_an_attempt_and_answers_202(learner, line, take):
    response = api_client(learner).post(
        f"/api/tokens/{line.id}/upload-audio",
        {"audio_file": upload(take, "take.wav", "audio/wav")},
        format="multipart",
    )

    assert response.status_code == 202, response.json()
    body = response.json()
    attempt = Attempt.objects.get(job_id=body["job_id"])
    assert (attempt.user, attempt.line, attempt.status) == (learner, line, "queued")
    assert attempt.content_type == "audio/wav"
    assert body["status"] == "queued"
    assert body["result_url"] == f"/api/tokens/analysis-result/{attempt.job_id}"
    assert body["progress_url"] == f"/api/tokens/analysis-progress/{attempt.job_id}"
    assert body["page_url"] == f"/attempts/{attempt.job_id}/"
    assert body["websocket_url"] == f"/ws/attempts/{attempt.job_id}/"


def test_upload_audio_with_the_same_idempotency_key_returns_the_first_attempt(learner, line, take):
    client = api_client(learner)

    first, second = (
        client.post(
            f"/api/tokens/{line.id}/upload-audio",
            {"audio_file": upload(take, "take.wav", "audio/wav")},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="take-1",
        )
        for _ in range(2)
    )

    assert first.status_code == second.status_code == 202
    assert first.json()["job_id"] == second.json()["job_id"]
    assert Attempt.objects.filter(user=learner).count() == 1


def test_upload_audio_reusing_an_idempotency_key_on_another_line_is_refused_with_422(
    learner, line, take
):
    other_line = Line.objects.create(
        script=line.script,
        position=2,
        text="Say it again",
        start_time=3.0,
        end_time=4.0,
        reference_audio=line.reference_audio.name,
        audio_status=line.audio_status,
    )
    client = api_client(learner)

    first, second = (
        client.post(
            f"/api/tokens/{target.id}/upload-audio",
            {"audio_file": upload(take, "take.wav", "audio/wav")},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="take-1",
        )
        for target in (line, other_line)
    )

    assert first.status_code == 202
    assert second.status_code == 422
    assert second.json()["code"] == "idempotency_key_reused"
    assert list(Attempt.objects.filter(user=learner).values_list("line_id", flat=True)) == [line.id]


def test_upload_audio_without_a_key_creates_one_attempt_per_upload(learner, line, take):
    client = api_client(learner)
    for _ in range(2):
        client.post(
            f"/api/tokens/{line.id}/upload-audio",
            {"audio_file": upload(take, "take.wav", "audio/wav")},
            format="multipart",
        )

    assert Attempt.objects.filter(user=learner).count() == 2


def test_upload_audio_refuses_a_file_that_is_not_audio(learner, line):
    response = api_client(learner).post(
        f"/api/tokens/{line.id}/upload-audio",
        {"audio_file": upload(b"%PDF-1.7 not a recording", "take.wav", "audio/wav")},
        format="multipart",
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_type"
    assert "audio" in response.json()["detail"]
    assert not Attempt.objects.exists()


def test_upload_audio_without_a_file_is_a_validation_error(learner, line):
    response = api_client(learner).post(
        f"/api/tokens/{line.id}/upload-audio", {}, format="multipart"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "required"
    assert "audio_file" in body["errors"]


def test_upload_audio_to_an_unknown_line_is_404(learner, line, take):
    response = api_client(learner).post(
        f"/api/tokens/{line.id + 999}/upload-audio",
        {"audio_file": upload(take, "take.wav", "audio/wav")},
        format="multipart",
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "This line does not exist.", "code": "not_found"}


def test_upload_audio_needs_a_signed_in_learner(line, take):
    response = api_client().post(
        f"/api/tokens/{line.id}/upload-audio",
        {"audio_file": upload(take, "take.wav", "audio/wav")},
        format="multipart",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Attempt.objects.exists()


def test_upload_audio_refuses_an_invalid_token(line, take):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = client.post(
        f"/api/tokens/{line.id}/upload-audio",
        {"audio_file": upload(take, "take.wav", "audio/wav")},
        format="multipart",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_upload_url_without_s3_storage_says_to_upload_the_file(learner, line, settings):
    response = api_client(learner).post(f"/api/tokens/{line.id}/upload-url")

    assert response.status_code == 409
    assert response.json()["code"] == "not_available"


def test_upload_url_needs_a_signed_in_learner_and_a_known_line(learner, line):
    assert api_client().post(f"/api/tokens/{line.id}/upload-url").status_code == 401
    unknown = api_client(learner).post(f"/api/tokens/{line.id + 999}/upload-url")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


def test_confirm_refuses_a_forged_upload_token(learner):
    job_id = "3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08"

    response = api_client(learner).post(
        f"/api/attempts/{job_id}/confirm", {"upload_token": "forged"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_upload_token"
    assert not Attempt.objects.exists()


def test_confirm_validates_its_body(learner):
    job_id = "3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08"
    client = api_client(learner)

    missing = client.post(f"/api/attempts/{job_id}/confirm", {}, format="json")
    unknown = client.post(
        f"/api/attempts/{job_id}/confirm", {"upload_token": "x", "size": 3}, format="json"
    )

    assert (missing.status_code, missing.json()["code"]) == (400, "required")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_field")
    assert api_client().post(f"/api/attempts/{job_id}/confirm", {}).status_code == 401


def test_confirm_of_an_attempt_already_confirmed_returns_it(learner, line):
    attempt = scored_attempt(learner, line)

    response = api_client(learner).post(
        f"/api/attempts/{attempt.job_id}/confirm", {"upload_token": "spent"}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["job_id"] == str(attempt.job_id)
    assert response.json()["status"] == "completed"


def test_analysis_result_gives_the_owner_the_scores_under_the_contract_names(learner, line):
    attempt = scored_attempt(learner, line)

    response = api_client(learner).get(f"/api/tokens/analysis-result/{attempt.job_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["job_id"] == str(attempt.job_id)
    assert body["token_id"] == line.id
    assert body["status"] == "completed"
    assert body["pronunciation_score"] == 81.0
    assert body["intonation_score"] == 72.5
    assert body["timing_score"] == 90.0
    assert body["emotion_score"] == 66.0
    assert body["overall_score"] == 78.4
    assert body["detailed_feedback"] == {"tips": ["Stress 'never'."]}
    assert body["created_at"].startswith(str(attempt.created_at.year))
    assert (body["error"], body["error_code"]) == ("", "")


@pytest.mark.parametrize(
    ("pronunciation", "feedback"),
    [(55.0, diagnosed_feedback()), (None, not_assessed_feedback("내가 그랬잖아"))],
)
def test_analysis_result_passes_version_2_feedback_through_unchanged(
    learner, line, pronunciation, feedback
):
    attempt = scored_attempt(learner, line, pronunciation=pronunciation, detailed_feedback=feedback)

    body = api_client(learner).get(f"/api/tokens/analysis-result/{attempt.job_id}").json()

    assert body["pronunciation_score"] == pronunciation
    assert body["overall_score"] == 78.4
    assert body["detailed_feedback"] == feedback  # phone_scores, issue, pronunciation.reason


def test_analysis_result_of_a_running_attempt_has_no_scores_yet(learner, line):
    attempt = scored_attempt(
        learner, line, status="running", stage="alignment", progress=40, overall=None
    )

    body = api_client(learner).get(f"/api/tokens/analysis-result/{attempt.job_id}").json()

    assert (body["status"], body["stage"], body["progress"]) == ("running", "alignment", 40)
    assert body["overall_score"] is None


def test_analysis_result_of_a_failed_attempt_carries_the_message(learner, line):
    attempt = scored_attempt(
        learner,
        line,
        status="failed",
        overall=None,
        error_code="no_speech",
        error_message="We could not hear any speech.",
    )

    body = api_client(learner).get(f"/api/tokens/analysis-result/{attempt.job_id}").json()

    assert (body["status"], body["error_code"]) == ("failed", "no_speech")
    assert body["error"] == "We could not hear any speech."


def test_analysis_result_hides_other_learners_attempts_like_unknown_ones(
    learner, other_learner, line
):
    attempt = scored_attempt(other_learner, line)
    client = api_client(learner)

    foreign = client.get(f"/api/tokens/analysis-result/{attempt.job_id}")
    unknown = client.get("/api/tokens/analysis-result/3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08")

    assert foreign.status_code == unknown.status_code == 404
    assert (
        foreign.json()
        == unknown.json()
        == {
            "detail": "No attempt with this id.",
            "code": "not_found",
        }
    )


def test_analysis_result_accepts_the_browser_session_and_refuses_strangers(learner, line):
    attempt = scored_attempt(learner, line)
    session = APIClient()
    session.force_login(learner)

    assert session.get(f"/api/tokens/analysis-result/{attempt.job_id}").status_code == 200
    stranger = api_client().get(f"/api/tokens/analysis-result/{attempt.job_id}")
    assert stranger.status_code == 401
    assert stranger.json()["code"] == "not_authenticated"


def test_schema_documents_the_practice_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    paths = response.json()["paths"]
    upload_op = paths["/api/tokens/{id}/upload-audio"]["post"]
    assert "202" in upload_op["responses"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    result = paths["/api/tokens/analysis-result/{job_id}"]["get"]["responses"]["200"]
    assert "overall_score" in str(response.json()["components"]["schemas"]["AnalysisResult"])
    assert "examples" in result["content"]["application/json"]
    stream = paths["/api/tokens/analysis-progress/{job_id}"]["get"]["responses"]["200"]
    assert "text/event-stream" in stream["content"]
    assert "/api/tokens/webhook/analysis-complete" in paths
    assert "/api/attempts/{job_id}/confirm" in paths
    assert "/api/tokens/{id}/upload-url" in paths
