"""API keys: made once and stored hashed; refused when revoked, expired, out of scope or
a learner's token; learner endpoints refuse keys; rotation keeps the old key a while."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners import services
from partners.keys import KEY_START, key_hash
from partners.models import ApiKey, DailyUsage, Scope
from partners.tests.conftest import key_client
from partners.tests.factories import make_key, make_partner
from practice.tests.conftest import api_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def test_api_key_create_returns_the_secret_once_and_stores_only_its_hash(partner):
    key, secret = services.api_key_create(partner=partner, name="prod", scopes=[Scope.ASSESS])

    stored = ApiKey.objects.get(pk=key.pk)
    assert secret.startswith(KEY_START + stored.prefix)
    assert len(secret) > 40
    assert stored.key_hash == key_hash(secret)
    assert all(secret not in str(getattr(stored, f.attname)) for f in ApiKey._meta.concrete_fields)
    assert stored.display == f"ys_live_{stored.prefix}…"
    assert stored.scopes == ["assess"]


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_a_valid_key_is_accepted_in_either_header(partner, api_key, header):
    response = key_client(api_key[1], header=header).get("/api/v1/usage")

    assert response.status_code == 200, response.content
    assert response.json()["partner"] == partner.name


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"revoked_at": timezone.now() - timedelta(seconds=1)}, "key_revoked"),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "key_expired"),
    ],
)
def test_revoked_and_expired_keys_are_refused(api_key, change, code):
    key, secret = api_key
    ApiKey.objects.filter(pk=key.pk).update(**change)

    response = key_client(secret).get("/api/v1/usage")

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"] == 'Bearer realm="partners"'


def test_an_inactive_partners_keys_are_refused(partner, api_key):
    partner.is_active = False
    partner.save()

    response = key_client(api_key[1]).get("/api/v1/usage")

    assert (response.status_code, response.json()["code"]) == (401, "partner_inactive")


def test_a_wrong_or_tampered_key_is_refused(api_key):
    secret = api_key[1]
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")

    response = key_client(tampered).get("/api/v1/usage")
    missing = key_client().get("/api/v1/usage")

    assert (response.status_code, response.json()["code"]) == (401, "invalid_api_key")
    assert (missing.status_code, missing.json()["code"]) == (401, "not_authenticated")


def test_a_key_without_the_scope_is_refused(partner):
    _key, secret = make_key(partner, Scope.CATALOGUE_READ)

    assess = key_client(secret).post("/api/v1/assess", {}, format="multipart")
    lines = key_client(secret).get("/api/v1/lines")

    assert (assess.status_code, assess.json()["code"]) == (403, "insufficient_scope")
    assert lines.status_code == 200


def test_an_assess_only_key_is_refused_on_the_catalogue(partner):
    _key, secret = make_key(partner, Scope.ASSESS)
    client = key_client(secret)

    lines = client.get("/api/v1/lines")
    filtered = client.get("/api/v1/lines?language=en")
    assess = client.post("/api/v1/assess", {}, format="multipart")

    for refused in (lines, filtered):
        assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")
        assert "catalogue:read" in refused.json()["detail"]
    # The key itself is good: the request passes the scope check to validation.
    assert (assess.status_code, assess.json()["code"]) == (400, "required")


def test_a_learners_jwt_is_refused_on_partner_endpoints(learner):
    response = api_client(learner).get("/api/v1/usage")

    assert response.status_code == 401
    assert response.json()["code"] == "not_an_api_key"


def test_a_key_is_refused_on_learner_endpoints(api_key):
    secret = api_key[1]

    as_bearer = key_client(secret).get("/api/mypage/overview")
    as_header = key_client(secret, header="x-api-key").get("/api/mypage/overview")

    assert (as_bearer.status_code, as_bearer.json()["code"]) == (401, "token_not_valid")
    assert (as_header.status_code, as_header.json()["code"]) == (401, "not_authenticated")


def test_rotation_makes_a_new_key_and_keeps_the_old_one_for_the_grace_period(settings, api_key):
    settings.PARTNER_KEY_ROTATION_GRACE_HOURS = 24
    old, old_secret = api_key

    new, new_secret = services.api_key_rotate(key=old)

    old.refresh_from_db()
    assert new_secret != old_secret
    assert (new.name, new.scopes, old.replaced_by_id) == (old.name, old.scopes, new.pk)
    assert timedelta(hours=23) < old.expires_at - timezone.now() <= timedelta(hours=24)
    assert key_client(old_secret).get("/api/v1/usage").status_code == 200
    assert key_client(new_secret).get("/api/v1/usage").status_code == 200
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    assert key_client(old_secret).get("/api/v1/usage").json()["code"] == "key_expired"


def test_last_used_is_recorded_at_most_every_few_minutes(api_key):
    key, secret = api_key
    client = key_client(secret)

    client.get("/api/v1/usage")
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    client.get("/api/v1/usage")

    assert first is not None
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first


def test_every_answer_to_a_key_is_counted_and_errors_apart(api_key):
    key, secret = api_key
    client = key_client(secret)

    client.get("/api/v1/usage")
    client.get("/api/v1/usage?start=nonsense")
    client.get("/api/v1/jobs/7d0c9a8e-5b1f-4c3a-9e2d-6f4b8a1c2d3e")

    usage = DailyUsage.objects.get(key=key)
    assert (usage.requests, usage.errors, usage.assessments) == (3, 2, 0)


def test_one_partner_never_sees_another_partners_usage(api_key):
    other_key, other_secret = make_key(make_partner("Other Studio"))
    key_client(api_key[1]).get("/api/v1/usage")
    key_client(other_secret).get("/api/v1/usage")

    body = key_client(other_secret).get("/api/v1/usage").json()

    assert body["partner"] == "Other Studio"
    assert {day["key"] for day in body["days"]} == {other_key.display}
