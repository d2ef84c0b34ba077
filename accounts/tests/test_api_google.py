import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialLogin
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.conftest import rsa_key
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/auth/google"


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_google_sign_in_creates_a_linked_learner(client, google):
    response = post(client, {"id_token": google.id_token()})

    body = response.json()
    assert response.status_code == 200, body
    user = User.objects.get(email="minji@example.com")
    assert body["user"]["email"] == "minji@example.com"
    assert body["user"]["display_name"] == "Minji Kim"
    assert AccessToken(body["access_token"])["user_id"] == str(user.pk)
    assert body["refresh_token"]
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("google", "108123456789012345678")
    assert EmailAddress.objects.get(user=user).verified
    assert not user.has_usable_password()


def test_google_sign_in_twice_reaches_the_same_learner(client, google):
    first = post(client, {"id_token": google.id_token()}).json()
    second = post(client, {"id_token": google.id_token(name="Renamed")}).json()

    assert first["user"]["id"] == second["user"]["id"]
    assert User.objects.count() == 1
    assert SocialAccount.objects.get().extra_data["name"] == "Renamed"


def test_google_sign_in_links_a_verified_web_account_and_keeps_its_password(client, google):
    web_user = UserFactory(email="minji@example.com", verified=True)

    body = post(client, {"id_token": google.id_token()}).json()

    web_user.refresh_from_db()
    assert body["user"]["id"] == web_user.pk
    assert SocialAccount.objects.get().user == web_user
    assert web_user.check_password(PASSWORD)


def test_google_sign_in_wipes_the_password_of_an_unconfirmed_account(client, google):
    # Someone registered this address without proving they own it; Google just proved
    # who does. The stranger's password must not keep working.
    squatter = UserFactory(email="minji@example.com")

    body = post(client, {"id_token": google.id_token()}).json()

    squatter.refresh_from_db()
    assert body["user"]["id"] == squatter.pk
    assert not squatter.has_usable_password()
    assert EmailAddress.objects.get(user=squatter).verified


def test_google_sign_in_reaches_the_learner_the_web_flow_linked(client, google):
    # What allauth's web "Continue with Google" stores: provider + Google's `sub`.
    web_user = UserFactory(email="other-address@example.com", verified=True)
    SocialAccount.objects.create(user=web_user, provider="google", uid="108123456789012345678")

    body = post(client, {"id_token": google.id_token()}).json()

    assert body["user"]["id"] == web_user.pk
    assert User.objects.count() == 1


def test_google_account_linked_by_the_app_is_found_by_the_web_flow(client, google, rf):
    post(client, {"id_token": google.id_token()})
    web_login = SocialLogin(account=SocialAccount(provider="google", uid="108123456789012345678"))

    web_login.lookup()

    assert web_login.user == User.objects.get(email="minji@example.com")


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"exp": 1_000_000, "iat": 999_000}, "token_expired"),
        ({"aud": "stranger.apps.googleusercontent.com"}, "wrong_audience"),
        ({"iss": "https://accounts.example.com"}, "wrong_issuer"),
    ],
)
def test_google_sign_in_refuses_bad_tokens_and_creates_nothing(client, google, claims, code):
    response = post(client, {"id_token": google.id_token(**claims)})

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_google_sign_in_refuses_a_forged_token(client, google):
    forger = rsa_key(2)

    response = post(client, {"id_token": google.id_token(key=forger)})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert not User.objects.exists()


def test_google_sign_in_refuses_an_unverified_google_email(client, google):
    response = post(client, {"id_token": google.id_token(email_verified=False)})

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert not User.objects.exists()


def test_google_sign_in_refuses_an_inactive_learner_and_links_nothing(client, google):
    UserFactory(email="minji@example.com", verified=True, is_active=False)

    response = post(client, {"id_token": google.id_token()})

    assert response.status_code == 403
    assert response.json() == {"detail": "This account is inactive.", "code": "user_inactive"}
    assert not SocialAccount.objects.exists()


def test_google_sign_in_refuses_malformed_json(client, google):
    response = client.post(URL, '{"id_token": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_google_sign_in_refuses_unknown_fields(client, google):
    response = post(client, {"id_token": google.id_token(), "is_staff": True})

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "unknown_field"
    assert body["errors"] == {"is_staff": ["Unknown field."]}
    assert not User.objects.exists()


def test_google_sign_in_requires_the_id_token(client, google):
    response = post(client, {})

    assert response.status_code == 400
    assert response.json()["code"] == "required"
    assert "id_token" in response.json()["errors"]


def test_google_sign_in_refuses_a_json_list(client, google):
    response = post(client, [google.id_token()])

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_google_sign_in_answers_503_when_google_is_unreachable(client, google):
    google.status = 503

    response = post(client, {"id_token": google.id_token()})

    assert response.status_code == 503
    assert response.json()["code"] == "google_unavailable"
    assert not User.objects.exists()
