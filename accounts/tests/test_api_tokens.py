import pytest
from allauth.account.models import EmailAddress
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def learner():
    return UserFactory(email="jisoo@example.com", verified=True)


@pytest.fixture
def pair(client, learner):
    return post(client, "/api/auth/login", {"email": learner.email, "password": PASSWORD}).json()


def test_login_returns_a_token_pair_and_the_learner(client, learner):
    response = post(client, "/api/auth/login", {"email": "JISOO@example.com", "password": PASSWORD})

    body = response.json()
    assert response.status_code == 200, body
    assert body["user"]["email"] == "jisoo@example.com"
    assert AccessToken(body["access_token"])["user_id"] == str(learner.pk)
    learner.refresh_from_db()
    assert learner.last_login is not None


def test_login_refuses_a_wrong_password(client, learner):
    response = post(client, "/api/auth/login", {"email": learner.email, "password": "nope"})

    assert response.status_code == 401
    assert response.json() == {
        "detail": "The email address or password is not correct.",
        "code": "invalid_credentials",
    }


def test_login_refuses_an_inactive_learner(client):
    inactive = UserFactory(verified=True, is_active=False)

    response = post(client, "/api/auth/login", {"email": inactive.email, "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "user_inactive"


def test_login_refuses_an_unconfirmed_email_when_verification_is_mandatory(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    unconfirmed = UserFactory()

    response = post(client, "/api/auth/login", {"email": unconfirmed.email, "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"


def test_login_accepts_an_unconfirmed_email_when_verification_is_optional(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    unconfirmed = UserFactory()

    response = post(client, "/api/auth/login", {"email": unconfirmed.email, "password": PASSWORD})

    assert response.status_code == 200


def test_login_is_throttled_after_repeated_failures(client, learner):
    for _ in range(5):
        post(client, "/api/auth/login", {"email": learner.email, "password": "wrong"})

    response = post(client, "/api/auth/login", {"email": learner.email, "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_login_attempts"


def test_login_refuses_malformed_input(client):
    bad_email = post(client, "/api/auth/login", {"email": "not-an-email", "password": "x"})
    extra = post(client, "/api/auth/login", {"email": "a@example.com", "password": "x", "otp": 1})
    not_json = client.post("/api/auth/login", {"email": "a@example.com", "password": "x"})

    assert (bad_email.status_code, bad_email.json()["code"]) == (400, "invalid")
    assert (extra.status_code, extra.json()["code"]) == (400, "unknown_field")
    assert (not_json.status_code, not_json.json()["code"]) == (415, "unsupported_media_type")


def test_refresh_rotates_the_pair(client, pair):
    response = post(client, "/api/auth/refresh", {"refresh_token": pair["refresh_token"]})

    body = response.json()
    assert response.status_code == 200, body
    assert body["access_token"] != pair["access_token"]
    assert body["refresh_token"] != pair["refresh_token"]
    assert AccessToken(body["access_token"])["user_id"] == str(pair["user"]["id"])


def test_refresh_refuses_a_token_used_twice(client, pair):
    post(client, "/api/auth/refresh", {"refresh_token": pair["refresh_token"]})

    reused = post(client, "/api/auth/refresh", {"refresh_token": pair["refresh_token"]})

    assert reused.status_code == 401
    assert reused.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}


def test_refresh_refuses_an_access_token_and_garbage(client, pair):
    access = post(client, "/api/auth/refresh", {"refresh_token": pair["access_token"]})
    garbage = post(client, "/api/auth/refresh", {"refresh_token": "abc.def.ghi"})
    missing = post(client, "/api/auth/refresh", {"refresh": pair["refresh_token"]})

    assert (access.status_code, access.json()["code"]) == (401, "token_not_valid")
    assert (garbage.status_code, garbage.json()["code"]) == (401, "token_not_valid")
    assert (missing.status_code, missing.json()["code"]) == (400, "unknown_field")


def test_refresh_refuses_a_deactivated_learner(client, learner, pair):
    learner.is_active = False
    learner.save()

    response = post(client, "/api/auth/refresh", {"refresh_token": pair["refresh_token"]})

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


def test_logout_revokes_the_refresh_token(client, pair):
    response = post(client, "/api/auth/logout", {"refresh_token": pair["refresh_token"]})
    after = post(client, "/api/auth/refresh", {"refresh_token": pair["refresh_token"]})

    assert response.status_code == 204
    assert after.status_code == 401
    assert after.json()["code"] == "token_not_valid"


def test_logout_refuses_a_forged_token(client):
    response = post(client, "/api/auth/logout", {"refresh_token": "x.y.z"})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_access_token_opens_the_api(client, pair):
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")

    assert response.status_code == 200
    assert response.json()["email"] == "jisoo@example.com"


def test_unconfirmed_address_rows_do_not_count_as_verified(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = post(client, "/api/auth/login", {"email": user.email, "password": PASSWORD})

    assert response.json()["code"] == "email_not_verified"


def test_refresh_with_a_deleted_learners_token_is_refused_with_401(client, learner, pair):
    learner.delete()

    response = post(client, "/api/auth/refresh", {"refresh_token": pair["refresh_token"]})

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
