import re
import uuid

import pytest
from django.urls import reverse

from practice.models import Attempt, AttemptStatus
from practice.tests.conftest import LINE_TEXT, espeak_wav, saved_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed_attempt(learner, line):
    return saved_attempt(
        learner,
        line,
        status=AttemptStatus.COMPLETED,
        progress=100,
        pronunciation=91.0,
        intonation=72.0,
        timing=55.0,
        emotion=64.0,
        overall=73.4,
        recording="attempts/take.wav",
        detailed_feedback={
            "version": 1,
            "words": [
                {"text": "never", "status": "ok", "score": 95, "ref_start": 0.2},
                {"text": "money", "status": "omitted", "score": 0, "ref_start": 1.4},
            ],
            "pitch": {
                "unit": "semitones",
                "times": [0.0, 0.5, 1.0, 1.5],
                "reference": [0.0, 2.0, None, -1.0],
                "attempt": [0.5, 1.0, 1.5, None],
            },
            "timing": {"onset_offset": 0.4, "duration_ratio": 1.2, "pause_difference": -0.1},
            "tips": [{"dimension": "timing", "en": "You started 0.4 s late.", "ko": "0.4초 늦게"}],
            "warnings": [],
        },
    )


def test_practice_page_shows_the_line_and_the_recorder(client, learner, line):
    client.force_login(learner)

    response = client.get(reverse("practice:line", args=[line.id]))

    assert response.status_code == 200
    assert LINE_TEXT in response.text
    assert line.translation in response.text
    assert 'id="recorder"' in response.text
    assert reverse("practice:upload", args=[line.id]) in response.text
    assert line.reference_audio.url in response.text


def test_practice_page_sends_anonymous_visitors_to_log_in(client, line):
    response = client.get(reverse("practice:line", args=[line.id]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_upload_accepts_a_recording_and_answers_with_the_job(
    client, learner, line, django_capture_on_commit_callbacks
):
    client.force_login(learner)

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("practice:upload", args=[line.id]),
            {"audio_file": _file(espeak_wav(LINE_TEXT))},
        )

    body = response.json()
    attempt = Attempt.objects.get()
    assert response.status_code == 202
    assert body["job_id"] == str(attempt.job_id)
    assert body["status"] == "queued"
    assert body["websocket"] == f"/ws/attempts/{attempt.job_id}/"


def test_upload_double_submit_makes_one_attempt(client, learner, line):
    client.force_login(learner)
    url = reverse("practice:upload", args=[line.id])
    data = espeak_wav("hello")

    first = client.post(url, {"audio_file": _file(data)}, HTTP_IDEMPOTENCY_KEY="take-1")
    second = client.post(url, {"audio_file": _file(data)}, HTTP_IDEMPOTENCY_KEY="take-1")

    assert first.json()["job_id"] == second.json()["job_id"]
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"audio_file": b"GIF89a not audio"}, 415, "unsupported_type"),
        ({}, 400, "missing_file"),
    ],
)
def test_upload_refuses_bad_files_with_a_clear_error(client, learner, line, payload, status, code):
    client.force_login(learner)
    data = {k: _file(v) for k, v in payload.items()}

    response = client.post(reverse("practice:upload", args=[line.id]), data)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert Attempt.objects.count() == 0


def test_upload_needs_an_account_and_a_real_line(client, learner):
    anonymous = client.post(reverse("practice:upload", args=[1]), {})
    client.force_login(learner)
    unknown = client.post(reverse("practice:upload", args=[999999]), {})

    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


def test_direct_upload_offer_is_refused_without_s3(client, learner, line):
    client.force_login(learner)

    response = client.post(reverse("practice:upload-url", args=[line.id]))

    assert response.status_code == 409
    assert response.json()["code"] == "not_available"


def test_result_page_shows_scores_words_chart_and_tips_without_javascript(
    client, learner, completed_attempt
):
    client.force_login(learner)

    response = client.get(reverse("practice:attempt", args=[completed_attempt.job_id]))

    html = response.text
    assert response.status_code == 200
    assert ">73<" in html  # overall, rounded
    assert 'class="word status-omitted' in html and ">money</span>" in html
    assert "<svg" in html and 'class="curve reference"' in html and 'class="curve attempt"' in html
    assert "You started 0.4 s late." in html
    assert "+0.40 s" in html and "+20%" in html
    assert reverse("practice:line", args=[completed_attempt.line_id]) in html


def test_result_fragment_is_just_the_result_block(client, learner, completed_attempt):
    client.force_login(learner)

    response = client.get(
        reverse("practice:attempt", args=[completed_attempt.job_id]), {"fragment": "1"}
    )

    assert response.text.lstrip().startswith('<section class="result"')
    assert "<html" not in response.text


def test_result_page_is_404_for_foreign_and_unknown_ids(client, other_learner, completed_attempt):
    client.force_login(other_learner)

    foreign = client.get(reverse("practice:attempt", args=[completed_attempt.job_id]))
    unknown = client.get(reverse("practice:attempt", args=[uuid.uuid4()]))

    assert foreign.status_code == 404
    assert unknown.status_code == 404

    # The same page either way: nothing reveals that the attempt exists.
    def main(html):
        return re.search(r"<main.*?</main>", html, re.S).group(0)

    assert main(foreign.text) == main(unknown.text)
    assert completed_attempt.line.text not in foreign.text


def test_result_page_of_a_failed_attempt_shows_the_learner_message(client, learner, line):
    attempt = saved_attempt(
        learner,
        line,
        status=AttemptStatus.FAILED,
        error_code="no_speech",
        error_message="We could not hear any speech.",
    )
    client.force_login(learner)

    response = client.get(reverse("practice:attempt", args=[attempt.job_id]))

    assert "We could not hear any speech." in response.text


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("take.webm", data, content_type="audio/webm")


def test_script_page_links_each_line_to_its_practice_page(client, line):
    response = client.get(reverse("practice:script", args=[line.script_id]))

    assert reverse("practice:line", args=[line.id]) in response.text


def test_practice_page_has_the_bookmark_toggle(client, learner, line):
    client.force_login(learner)

    response = client.get(reverse("practice:line", args=[line.id]))

    assert reverse("practice:bookmark-toggle", args=[line.id]) in response.text
