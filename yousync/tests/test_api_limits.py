"""API rate limits, CORS for the app's origins, and JSON errors for unknown /api/ paths."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.urls import get_resolver
from django_redis.cache import RedisCache
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from scripts.tests.factories import LineFactory
from yousync.api.throttles import WindowRateThrottle

pytestmark = pytest.mark.django_db

MINUTE = 60
WINDOW_START = 1_800_000_000 - 1_800_000_000 % MINUTE  # a minute boundary


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, one second into a window: tests don't straddle a window edge."""
    frozen = Clock(WINDOW_START + 1)
    monkeypatch.setattr(WindowRateThrottle, "timer", frozen)
    return frozen


@pytest.fixture
def rates(settings, clock):
    """The production defaults (pytest-env raises them for the rest of the suite)."""
    cache.clear()
    settings.API_THROTTLE_RATES = {
        "anon": (120, MINUTE),
        "user": (600, MINUTE),
        "user_ip": (1800, MINUTE),
        "auth": (10, MINUTE),
        "upload": (30, MINUTE),
        "webhook": (1200, MINUTE),
    }
    yield settings.API_THROTTLE_RATES
    cache.clear()


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}


def refresh(client, ip="203.0.113.7", **extra):
    return client.post(
        "/api/auth/refresh",
        {"refresh_token": "not-a-token"},
        content_type="application/json",
        REMOTE_ADDR=ip,
        **extra,
    )


def assert_throttled(response) -> int:
    body = response.json()
    assert response.status_code == 429, body
    assert body["code"] == "throttled"
    assert body["detail"].startswith("Request was throttled.")
    # Up to two windows: the estimate spreads the last window's calls evenly over it.
    assert 1 <= body["retry_after"] <= 2 * MINUTE
    assert response["Retry-After"] == str(body["retry_after"])
    assert response["Content-Type"] == "application/json"
    return body["retry_after"]


# --- Sign-in: per IP, shared by auth/google, auth/login and auth/refresh ------------------


def test_auth_limit_refuses_the_eleventh_call_in_a_minute_from_one_ip(client, rates, settings):
    for _ in range(7):
        assert refresh(client).status_code == 401
    for _ in range(3):
        login = client.post(
            "/api/auth/login",
            {"email": "nobody@example.com", "password": "x"},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.7",
        )
        assert login.status_code == 401

    response = client.post(
        "/api/auth/google",
        {"id_token": "x"},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.7",
    )

    assert_throttled(response)


def test_auth_limit_counts_each_ip_on_its_own(client, rates):
    for _ in range(11):
        refresh(client, ip="203.0.113.7")

    other = refresh(client, ip="198.51.100.2")

    assert other.status_code == 401
    assert other.json()["code"] == "token_not_valid"


def test_auth_limit_ignores_a_spoofed_forwarded_for_without_trusted_proxies(client, rates):
    for n in range(10):
        refresh(client, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    response = refresh(client, HTTP_X_FORWARDED_FOR="10.0.0.99")

    assert_throttled(response)


def test_auth_limit_uses_the_address_trusted_proxies_saw(client, rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(10):
        refresh(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")

    same_client = refresh(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    other_client = refresh(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert_throttled(same_client)
    assert other_client.status_code == 401


def test_auth_limit_lets_the_client_in_again_after_retry_after(client, rates, clock):
    for _ in range(10):
        refresh(client)
    wait = assert_throttled(refresh(client))

    clock.now += wait
    response = refresh(client)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_auth_limit_does_not_reset_at_the_window_edge(client, rates, clock):
    clock.now = WINDOW_START + 59  # ten calls at the end of one minute...
    for _ in range(10):
        assert refresh(client).status_code == 401

    clock.now = WINDOW_START + MINUTE + 1  # ...and two seconds later, in the next one
    response = refresh(client)

    # The previous minute still weighs 59/60: about 9.8 + 1 calls in the last minute.
    assert_throttled(response)


@pytest.mark.integration
def test_auth_limit_counts_in_redis_where_every_process_sees_it(client, settings, clock):
    """Service mode: one pipelined round trip per check, a counter all web processes share."""
    assert isinstance(caches["default"], RedisCache)
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "auth": (10, MINUTE)}
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"  # no cache.clear(): shared
    for _ in range(10):
        assert refresh(client, ip=ip).status_code == 401

    response = refresh(client, ip=ip)

    assert_throttled(response)
    another_process = RedisCache(
        settings.REDIS_URL, {"KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"]}
    )
    window = int(clock.now // MINUTE)
    assert another_process.get(f"throttle:auth:ip:{ip}:{window}") == 11


# --- General limits: anonymous per IP, signed in per user and per IP ----------------------


def test_anonymous_limit_is_per_ip(client, rates):
    rates["anon"] = (3, MINUTE)
    for _ in range(3):
        assert client.get("/api/scripts/", REMOTE_ADDR="203.0.113.7").status_code == 200

    limited = client.get("/api/scripts/", REMOTE_ADDR="203.0.113.7")
    other_ip = client.get("/api/scripts/", REMOTE_ADDR="198.51.100.2")

    assert_throttled(limited)
    assert other_ip.status_code == 200
    assert other_ip.json()["results"] == []


def test_signed_in_limit_is_per_user_and_looser_per_ip(client, rates):
    rates["user"] = (3, MINUTE)
    rates["user_ip"] = (5, MINUTE)
    jisoo, minho = UserFactory(), UserFactory()
    for _ in range(3):
        assert client.get("/api/me", REMOTE_ADDR="203.0.113.7", **bearer(jisoo)).status_code == 200

    jisoo_fourth = client.get("/api/me", REMOTE_ADDR="203.0.113.7", **bearer(jisoo))
    # Minho shares the address: his own count is low, the address's is not.
    minho_first = client.get("/api/me", REMOTE_ADDR="203.0.113.7", **bearer(minho))
    minho_second = client.get("/api/me", REMOTE_ADDR="203.0.113.7", **bearer(minho))
    jisoo_elsewhere = client.get("/api/me", REMOTE_ADDR="198.51.100.2", **bearer(jisoo))
    minho_elsewhere = client.get("/api/me", REMOTE_ADDR="198.51.100.2", **bearer(minho))

    assert_throttled(jisoo_fourth)
    assert minho_first.status_code == 200
    assert minho_first.json()["email"] == minho.email
    assert_throttled(minho_second)
    assert_throttled(jisoo_elsewhere)  # the user limit follows her
    assert minho_elsewhere.status_code == 200


def test_signed_in_requests_do_not_use_the_anonymous_budget(client, rates):
    rates["anon"] = (1, MINUTE)
    learner = UserFactory()
    client.get("/api/scripts/", REMOTE_ADDR="203.0.113.7")

    signed_in = [
        client.get("/api/scripts/", REMOTE_ADDR="203.0.113.7", **bearer(learner)).status_code
        for _ in range(5)
    ]

    assert signed_in == [200] * 5


# --- Uploads: per user ----------------------------------------------------------------------


def test_upload_limit_is_per_user_across_the_upload_endpoints(client, rates):
    rates["upload"] = (2, MINUTE)
    line = LineFactory()
    jisoo, minho = UserFactory(), UserFactory()
    offer = client.post(
        f"/api/tokens/{line.pk}/upload-url", REMOTE_ADDR="203.0.113.7", **bearer(jisoo)
    )
    confirm = client.post(
        f"/api/attempts/{uuid.uuid4()}/confirm",
        {"upload_token": "forged"},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.7",
        **bearer(jisoo),
    )

    third = client.post(
        f"/api/tokens/{line.pk}/upload-audio", REMOTE_ADDR="198.51.100.2", **bearer(jisoo)
    )
    minho_offer = client.post(
        f"/api/tokens/{line.pk}/upload-url", REMOTE_ADDR="203.0.113.7", **bearer(minho)
    )
    jisoo_reads = client.get("/api/me", REMOTE_ADDR="203.0.113.7", **bearer(jisoo))

    assert offer.json()["code"] == "not_available"  # no S3 here; the call still counts
    assert confirm.status_code == 400
    assert_throttled(third)
    assert minho_offer.status_code == 409
    assert jisoo_reads.status_code == 200  # only uploads have the stricter limit


# --- Webhook: the analysis server has its own limit ----------------------------------------


def post_webhook(client):
    return client.post(
        "/api/tokens/webhook/analysis-complete",
        {"job_id": str(uuid.uuid4()), "status": "failed"},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.10",
    )


def test_webhook_is_not_held_to_the_anonymous_per_ip_limit(client, rates, settings):
    settings.ANALYSIS_WEBHOOK_SECRET = ""
    rates["anon"] = (2, MINUTE)

    answers = [post_webhook(client) for _ in range(5)]

    assert [a.json()["code"] for a in answers] == ["webhook_not_configured"] * 5
    # Nor did its calls use the address's anonymous budget.
    assert client.get("/api/scripts/", REMOTE_ADDR="192.0.2.10").status_code == 200


def test_webhook_has_a_limit_of_its_own(client, rates, settings):
    settings.ANALYSIS_WEBHOOK_SECRET = ""
    rates["webhook"] = (3, MINUTE)
    for _ in range(3):
        assert post_webhook(client).status_code == 503

    assert_throttled(post_webhook(client))


# --- CORS: the app's own origins, on /api/ only -------------------------------------------

APP_ORIGIN = "https://app.yousync.example"


@pytest.fixture
def app_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP_ORIGIN, "capacitor://localhost"]
    return APP_ORIGIN


def test_cors_allows_the_app_origin_on_the_api(client, app_origin):
    response = client.get("/api/scripts/", HTTP_ORIGIN=app_origin)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == app_origin
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"retry-after", "x-request-id"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response  # bearer tokens, no cookies
    assert "origin" in response["Vary"].lower()


def test_cors_answers_a_preflight_for_an_upload_from_the_app(client, app_origin):
    response = client.options(
        "/api/tokens/1/upload-audio",
        HTTP_ORIGIN=app_origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, idempotency-key, x-request-id",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == app_origin
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "idempotency-key", "last-event-id", "x-request-id"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert int(response["Access-Control-Max-Age"]) > 0


def test_cors_ignores_a_foreign_origin(client, app_origin):
    simple = client.get("/api/scripts/", HTTP_ORIGIN="https://evil.example")
    preflight = client.options(
        "/api/auth/login",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert simple.status_code == 200
    assert "Access-Control-Allow-Origin" not in simple
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Methods" not in preflight


def test_cors_leaves_pages_outside_the_api_alone(client, app_origin):
    for path in ("/healthz", "/", "/accounts/login/"):
        response = client.get(path, HTTP_ORIGIN=app_origin)

        assert response.status_code == 200, path
        assert "Access-Control-Allow-Origin" not in response, path


def test_cors_is_closed_by_default(client, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []  # pytest-env sets none

    response = client.get("/api/scripts/", HTTP_ORIGIN=APP_ORIGIN)

    assert "Access-Control-Allow-Origin" not in response


def test_cors_lets_the_app_read_retry_after_on_a_throttled_answer(client, rates, app_origin):
    rates["anon"] = (1, MINUTE)
    client.get("/api/scripts/", HTTP_ORIGIN=app_origin)

    response = client.get("/api/scripts/", HTTP_ORIGIN=app_origin)

    retry_after = assert_throttled(response)
    assert response["Access-Control-Allow-Origin"] == app_origin
    assert "Retry-After" in response["Access-Control-Expose-Headers"]
    assert retry_after > 0


# --- Errors: JSON for every /api/ answer, HTML pages elsewhere -----------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/nope"), ("post", "/api/nope/deeper"), ("delete", "/api/"), ("get", "/api/me/")],
)
def test_unknown_api_path_answers_json_404(client, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_api_path_answers_in_the_learners_language(client):
    response = client.get("/api/nope", HTTP_ACCEPT_LANGUAGE="ko")

    body = response.json()
    assert body["code"] == "not_found"
    assert body["detail"] != "Not found."  # translated


def test_unknown_page_keeps_the_html_404(client):
    response = client.get("/nope")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content.lower()


def test_api_path_without_its_trailing_slash_still_redirects(client):
    response = client.get("/api/scripts")

    assert response.status_code == 301
    assert response["Location"] == "/api/scripts/"
    assert client.get(response["Location"]).json()["results"] == []


def test_server_error_under_the_api_answers_json(rf):
    handler = get_resolver().resolve_error_handler(500)

    api = handler(rf.get("/api/scripts/"))
    page = handler(rf.get("/"))

    assert api.status_code == 500
    assert json.loads(api.content) == {"detail": "A server error occurred.", "code": "server_error"}
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


def test_method_not_allowed_has_the_error_shape(client):
    response = client.delete("/api/scripts/")

    assert response.status_code == 405
    assert response.json() == {
        "detail": 'Method "DELETE" not allowed.',
        "code": "method_not_allowed",
    }
    assert "GET" in response["Allow"]


def test_unsupported_media_type_has_the_error_shape(client):
    response = client.post("/api/auth/login", "email=a", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == {
        "detail": 'Unsupported media type "text/plain" in request.',
        "code": "unsupported_media_type",
    }


def test_not_acceptable_has_the_error_shape(client):
    response = client.get("/api/scripts/", HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Could not satisfy the request Accept header.",
        "code": "not_acceptable",
    }


def test_schema_documents_the_limits_and_errors_every_operation_can_answer(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operations = {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    assert all("429" in op["responses"] for op in operations.values())
    throttled = operations[("GET", "/api/me")]["responses"]["429"]
    assert throttled["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    body = schema["components"]["schemas"]["ThrottledError"]
    assert {"detail", "code", "retry_after"} <= set(body["properties"])
    # Path ids that do not exist, pages past the end, refused bearer tokens.
    assert "404" in operations[("GET", "/api/scripts/{id}/")]["responses"]
    assert "404" in operations[("GET", "/api/scripts/")]["responses"]
    assert "401" in operations[("GET", "/api/tokens/{id}/")]["responses"]
    assert "400" in operations[("GET", "/api/scripts/")]["responses"]  # bad filters


# --- Configuration --------------------------------------------------------------------------


def settings_in_subprocess(tmp_path, **env_vars: str) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("API_THROTTLE_")
        and name not in {"DEBUG", "CORS_ALLOWED_ORIGINS", "TRUSTED_PROXY_COUNT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="yousync.settings",
        SECRET_KEY="x" * 50,
        VAR_DIR=str(tmp_path / "var"),
        **env_vars,
    )
    probe = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'rates': settings.API_THROTTLE_RATES, "
        "'proxies': settings.REST_FRAMEWORK['NUM_PROXIES'], "
        "'cors': settings.CORS_ALLOWED_ORIGINS}))"
    )
    return subprocess.run(
        [sys.executable, "-c", probe],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_default_rates(tmp_path):
    result = settings_in_subprocess(tmp_path)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["rates"] == {
        "anon": [120, 60],
        "user": [600, 60],
        "user_ip": [1800, 60],
        "auth": [10, 60],
        "upload": [30, 60],
        "webhook": [1200, 60],
    }
    assert values["proxies"] == 0
    assert values["cors"] == []


def test_settings_rates_come_from_the_environment(tmp_path):
    result = settings_in_subprocess(
        tmp_path,
        API_THROTTLE_USER="100000/min",
        API_THROTTLE_ANON="5/s",
        API_THROTTLE_AUTH="100/hour",
        API_THROTTLE_UPLOAD="off",
        TRUSTED_PROXY_COUNT="1",
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["rates"]["user"] == [100000, 60]
    assert values["rates"]["anon"] == [5, 1]
    assert values["rates"]["auth"] == [100, 3600]
    assert values["rates"]["upload"] is None
    assert values["proxies"] == 1


@pytest.mark.parametrize("rate", ["lots", "0/min", "10/fortnight", "10"])
def test_settings_refuse_a_malformed_rate(tmp_path, rate):
    result = settings_in_subprocess(tmp_path, API_THROTTLE_UPLOAD=rate)

    assert result.returncode != 0
    assert "API_THROTTLE_UPLOAD must be a positive count per s, min, hour or day" in result.stderr


def test_settings_read_the_allowed_origins(tmp_path):
    result = settings_in_subprocess(
        tmp_path,
        CORS_ALLOWED_ORIGINS="https://App.YouSync.example, http://localhost:8100,capacitor://localhost",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["cors"] == [
        "https://app.yousync.example",
        "http://localhost:8100",
        "capacitor://localhost",
    ]


@pytest.mark.parametrize(
    "origin",
    ["https://app.example.com/", "app.example.com", "*", "https://app.example.com:99999"],
)
def test_settings_refuse_a_malformed_origin(tmp_path, origin):
    result = settings_in_subprocess(tmp_path, CORS_ALLOWED_ORIGINS=f"https://ok.example,{origin}")

    assert result.returncode != 0
    assert "CORS_ALLOWED_ORIGINS must list origins as scheme://host[:port]" in result.stderr
