"""Per-key rate limits and the monthly audio quota, with their headers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.models import DailyUsage, PartnerJob
from partners.tests.conftest import key_client
from partners.tests.factories import make_key, make_partner
from practice.tests.conftest import LINE_TEXT, espeak_wav
from yousync.api.throttles import WindowRateThrottle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture
def frozen_clock(monkeypatch):
    # The start of a minute: the window is fresh and resets in 60 s.
    monkeypatch.setattr(WindowRateThrottle, "timer", staticmethod(lambda: 60_000.0))


def test_answers_carry_the_rate_limit_and_429_says_when_to_retry(frozen_clock):
    partner = make_partner(requests_per_minute=2)
    _key, secret = make_key(partner)
    client = key_client(secret)

    first, second, third = (client.get("/api/v1/usage") for _ in range(3))

    assert [r.status_code for r in (first, second, third)] == [200, 200, 429]
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("2", "1")
    assert second["X-RateLimit-Remaining"] == "0"
    assert first["X-RateLimit-Reset"] == "60"
    assert third.json()["code"] == "throttled"
    assert int(third["Retry-After"]) >= 1
    assert third["X-RateLimit-Remaining"] == "0"


def test_each_key_has_its_own_rate(frozen_clock):
    partner = make_partner(requests_per_minute=1)
    _one, first_secret = make_key(partner, name="one")
    _two, second_secret = make_key(partner, name="two")

    key_client(first_secret).get("/api/v1/usage")

    assert key_client(first_secret).get("/api/v1/usage").status_code == 429
    assert key_client(second_secret).get("/api/v1/usage").status_code == 200


def test_the_quota_headers_count_scored_seconds_this_month(media):
    partner = make_partner(monthly_audio_seconds=600)
    key, secret = make_key(partner)
    DailyUsage.objects.create(partner=partner, key=key, day="2020-01-01", audio_seconds=500)
    DailyUsage.objects.create(
        partner=partner, key=key, day=timezone.now().date(), audio_seconds=100.4
    )

    response = key_client(secret).get("/api/v1/usage")

    assert response["X-Audio-Quota-Limit"] == "600"
    assert response["X-Audio-Quota-Remaining"] == "499"  # last year's 500 s do not count
    assert 0 < int(response["X-Audio-Quota-Reset"]) <= 31 * 86400
    assert response.json()["quota"]["audio_seconds_used"] == 100.4


def test_a_take_past_the_quota_is_refused_with_402_and_nothing_is_stored(media):
    partner = make_partner(monthly_audio_seconds=1)
    _key, secret = make_key(partner)
    take = SimpleUploadedFile("take.wav", espeak_wav(LINE_TEXT), content_type="audio/wav")

    response = key_client(secret).post(
        "/api/v1/assess", {"audio": take, "text": LINE_TEXT}, format="multipart"
    )

    assert response.status_code == 402, response.content
    assert response.json()["code"] == "quota_exceeded"
    assert "quota" in response.json()["detail"]
    assert response["X-Audio-Quota-Remaining"] == "1"
    assert not PartnerJob.objects.exists()
