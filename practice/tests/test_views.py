import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.tokens import AccessToken

from practice.models import Attempt, AttemptStatus
from practice.tests.conftest import LINE_TEXT, espeak_wav, saved_attempt
from yousync.api.throttles import WindowRateThrottle

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
    # The recorder posts to the API, with the CSRF token the page carries.
    assert f'data-upload-url="/api/tokens/{line.id}/upload-audio"' in response.text
    assert f'data-offer-url="/api/tokens/{line.id}/upload-url"' in response.text
    assert page_csrf_token(response)
    assert line.reference_audio.url in response.text


def test_practice_page_sends_anonymous_visitors_to_log_in(client, line):
    response = client.get(reverse("practice:line", args=[line.id]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- The page's uploads go through the API, signed in by the session -----------------------


def page_csrf_token(response) -> str:
    return re.search(r'data-csrf-token="([^"]+)"', response.text).group(1)


@pytest.fixture
def browser(learner, line):
    """A browser signed in by the session, CSRF checks on, with the practice page open."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    page = browser.get(reverse("practice:line", args=[line.id]))
    browser.csrf_token = page_csrf_token(page)
    return browser


def test_page_upload_through_the_api_is_accepted_with_the_pages_csrf_token(
    browser, line, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = browser.post(
            f"/api/tokens/{line.id}/upload-audio",
            {"audio_file": _file(espeak_wav(LINE_TEXT))},
            HTTP_X_CSRFTOKEN=browser.csrf_token,
        )

    body = response.json()
    attempt = Attempt.objects.get()
    assert response.status_code == 202, body
    assert body["job_id"] == str(attempt.job_id)
    assert body["status"] == "queued"
    # What the page follows and shows, next to the app's result_url and progress_url.
    assert body["page_url"] == reverse("practice:attempt", args=[attempt.job_id])
    assert body["websocket_url"] == f"/ws/attempts/{attempt.job_id}/"


def test_page_upload_through_the_api_without_the_csrf_token_is_refused(browser, line):
    response = browser.post(
        f"/api/tokens/{line.id}/upload-audio", {"audio_file": _file(espeak_wav(LINE_TEXT))}
    )
    offer = browser.post(f"/api/tokens/{line.id}/upload-url")
    confirm = browser.post(
        f"/api/attempts/{uuid.uuid4()}/confirm",
        {"upload_token": "x"},
        content_type="application/json",
    )

    assert response.status_code == offer.status_code == confirm.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]
    assert not Attempt.objects.exists()


def test_page_upload_double_submit_makes_one_attempt(browser, line):
    url = f"/api/tokens/{line.id}/upload-audio"
    data = espeak_wav("hello")
    headers = {"HTTP_X_CSRFTOKEN": browser.csrf_token, "HTTP_IDEMPOTENCY_KEY": "take-1"}

    first = browser.post(url, {"audio_file": _file(data)}, **headers)
    second = browser.post(url, {"audio_file": _file(data)}, **headers)

    assert first.json()["job_id"] == second.json()["job_id"]
    assert Attempt.objects.count() == 1


def test_page_uploads_are_limited_like_the_apps(browser, line, settings, monkeypatch):
    cache.clear()
    monkeypatch.setattr(WindowRateThrottle, "timer", staticmethod(lambda: 1_800_000_001.0))
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "upload": (1, 60)}
    url = f"/api/tokens/{line.id}/upload-audio"

    first = browser.post(
        url, {"audio_file": _file(espeak_wav("hello"))}, HTTP_X_CSRFTOKEN=browser.csrf_token
    )
    second = browser.post(
        url, {"audio_file": _file(espeak_wav("hello"))}, HTTP_X_CSRFTOKEN=browser.csrf_token
    )
    cache.clear()

    assert first.status_code == 202
    assert second.status_code == 429
    assert second.json()["code"] == "throttled"
    assert int(second["Retry-After"]) == second.json()["retry_after"] >= 1
    assert Attempt.objects.count() == 1


def test_direct_upload_offer_through_the_api_is_refused_without_s3(browser, line):
    response = browser.post(
        f"/api/tokens/{line.id}/upload-url", HTTP_X_CSRFTOKEN=browser.csrf_token
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_available"


@pytest.mark.parametrize(
    "path",
    ["/lines/{line}/attempts", "/lines/{line}/upload-url", "/attempts/{job}/confirm"],
)
def test_the_web_pages_have_no_upload_endpoints_of_their_own(client, learner, line, path):
    client.force_login(learner)

    response = client.post(path.format(line=line.id, job=uuid.uuid4()), {})

    assert response.status_code in (404, 405)
    assert not Attempt.objects.exists()


def web_pages(line, attempt) -> list[tuple[str, str]]:
    return [
        ("get", reverse("practice:line", args=[line.id])),
        ("get", reverse("practice:attempt", args=[attempt.job_id])),
        ("get", reverse("practice:history")),
        ("get", reverse("practice:bookmarks")),
        ("get", reverse("practice:overview")),
        ("get", reverse("practice:sessions")),
        ("post", reverse("practice:bookmark-toggle", args=[line.id])),
        ("get", reverse("account_profile")),
    ]


def test_no_web_page_accepts_a_bearer_token(client, learner, line):
    # Bearer tokens are the app's: only /api/ takes them. A page answers as to a stranger.
    attempt = saved_attempt(learner, line, status=AttemptStatus.QUEUED)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(learner)}"}

    answers = {
        path: getattr(client, method)(path, HTTP_ACCEPT="application/json", **bearer)
        for method, path in web_pages(line, attempt)
    }

    for path, response in answers.items():
        assert response.status_code in (302, 401), path
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], path
    assert not learner.bookmarks.exists()


def test_result_page_shows_scores_words_chart_and_tips_without_javascript(
    client, learner, completed_attempt
):
    client.force_login(learner)

    response = client.get(reverse("practice:attempt", args=[completed_attempt.job_id]))

    html = response.text
    assert response.status_code == 200
    assert ">73<" in html  # overall, rounded
    assert 'class="word status-omitted' in html and ">money</button>" in html
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


@pytest.mark.parametrize(
    ("language", "title", "what"),
    [
        ("en", "We could not hear you", "Check that the right microphone is chosen"),
        ("ko", "목소리가 들리지 않았어요", "마이크"),
    ],
)
def test_result_page_of_an_unusable_take_says_what_happened_and_what_to_do(
    client, learner, line, language, title, what
):
    attempt = saved_attempt(
        learner,
        line,
        status=AttemptStatus.FAILED,
        error_code="no_speech",
        error_message="We could not hear any speech.",
    )
    client.force_login(learner)
    client.cookies["django_language"] = language

    html = client.get(reverse("practice:attempt", args=[attempt.job_id])).text

    panel = re.search(r'<div class="error-panel" role="alert".*?</div>', html, re.S).group(0)
    assert title in panel and what in panel
    assert 'data-error-code="no_speech"' in panel
    practice_url = reverse("practice:line", args=[line.id])
    assert f'class="button primary" href="{practice_url}#recorder"' in html


def test_result_page_of_a_take_that_failed_on_our_side_says_so(client, learner, line):
    attempt = saved_attempt(
        learner, line, status=AttemptStatus.FAILED, error_code="internal", error_message="Boom."
    )
    client.force_login(learner)

    html = client.get(reverse("practice:attempt", args=[attempt.job_id])).text

    assert "Scoring did not finish" in html
    assert "This was our fault, not your take&#x27;s." in html


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


def test_practice_page_context_has_a_song_lines_key_and_starting_note(client, learner, line):
    line.script.kind = "song"
    line.script.save()
    line.reference_analysis = {
        "song": {"key": {"name": "G major"}, "start_note": {"midi": 67, "name": "G4", "hz": 392.0}}
    }
    line.save()
    client.force_login(learner)

    response = client.get(reverse("practice:line", args=[line.id]))

    assert response.context["song"]["key"] == "G major"
    assert response.context["song"]["start_note"] == "G4"
    assert response.context["song"]["start_hz"] == 392.0


def test_practice_page_context_has_no_song_for_speech_lines(client, learner, line):
    client.force_login(learner)

    response = client.get(reverse("practice:line", args=[line.id]))

    assert response.context["song"] is None


@pytest.mark.parametrize(
    ("language", "key", "hint"),
    [
        ("en", "Key: <strong>G major</strong>", "Sing with the original"),
        ("ko", "조: <strong>사장조</strong>", "원곡에 맞춰"),
    ],
)
def test_practice_page_of_a_song_names_the_key_in_the_learners_language(
    client, learner, line, language, key, hint
):
    line.script.kind = "song"
    line.script.save()
    line.reference_analysis = {
        "song": {
            "key": {"name": "G major", "name_ko": "사장조"},
            "start_note": {"midi": 67, "name": "G4", "hz": 392.0},
        }
    }
    line.save()
    client.force_login(learner)
    client.cookies["django_language"] = language

    html = client.get(reverse("practice:line", args=[line.id])).text

    assert key in html and hint in html
    assert 'data-start-hz="392.0"' in html
