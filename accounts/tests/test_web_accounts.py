import re

import pytest
from django.core import mail
from django.test import override_settings

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
SIGNUP = {"email": "seoyeon@example.com", "password1": PASSWORD, "password2": PASSWORD}


def confirmation_link() -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)


def test_signup_page_is_in_the_site_layout(client):
    response = client.get("/accounts/signup/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Create your account" in html
    assert 'class="site-header"' in html
    assert "accounts/accounts.css" in html


def test_signup_with_mandatory_verification_sends_a_link_and_waits(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = client.post("/accounts/signup/", SIGNUP, follow=True)

    assert User.objects.filter(email="seoyeon@example.com").exists()
    assert "Verify Your Email Address" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["seoyeon@example.com"]
    assert not response.context["user"].is_authenticated


def test_signup_confirmation_link_signs_the_learner_in(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client.post("/accounts/signup/", SIGNUP)

    client.get(confirmation_link())
    response = client.post(confirmation_link(), follow=True)

    assert response.context["user"].email == "seoyeon@example.com"
    assert User.objects.get().emailaddress_set.get().verified


def test_signup_without_verification_signs_in_at_once(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"

    response = client.post("/accounts/signup/", SIGNUP, follow=True)

    assert response.context["user"].is_authenticated
    assert "Log out" in response.content.decode()


def test_signup_with_a_taken_email_reveals_nothing_and_warns_the_owner(client):
    UserFactory(email="seoyeon@example.com")

    response = client.post("/accounts/signup/", SIGNUP)

    # Same answer as a fresh sign-up (no account enumeration); the owner gets a mail.
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.count() == 1
    assert mail.outbox[-1].to == ["seoyeon@example.com"]
    assert "already" in mail.outbox[-1].body


def test_signup_refuses_a_weak_password(client):
    response = client.post(
        "/accounts/signup/", {"email": "new@example.com", "password1": "1234", "password2": "1234"}
    )

    assert "too short" in response.content.decode()
    assert not User.objects.exists()


def test_login_and_logout(client):
    UserFactory(email="dohyun@example.com", display_name="Dohyun", verified=True)

    logged_in = client.post(
        "/accounts/login/", {"login": "dohyun@example.com", "password": PASSWORD}, follow=True
    )
    logged_out = client.post("/accounts/logout/", follow=True)

    assert logged_in.context["user"].email == "dohyun@example.com"
    assert "Dohyun" in logged_in.content.decode()
    assert not logged_out.context["user"].is_authenticated
    assert "Log in" in logged_out.content.decode()


def test_login_is_throttled_after_repeated_failures(client):
    UserFactory(email="dohyun@example.com", verified=True)
    for _ in range(5):
        client.post("/accounts/login/", {"login": "dohyun@example.com", "password": "wrong"})

    response = client.post(
        "/accounts/login/", {"login": "dohyun@example.com", "password": PASSWORD}
    )

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client):
    user = UserFactory(email="dohyun@example.com", verified=True)

    client.post("/accounts/password/reset/", {"email": "dohyun@example.com"})
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(
        0
    )
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"password1": "a-new-long-secret", "password2": "a-new-long-secret"},
    )

    user.refresh_from_db()
    assert user.check_password("a-new-long-secret")


def test_google_button_is_hidden_without_credentials(client):
    html = client.get("/accounts/login/").content.decode()

    assert "Continue with Google" not in html


@override_settings(
    SOCIALACCOUNT_PROVIDERS={
        "google": {"APPS": [{"client_id": "web-id", "secret": "web-secret", "key": ""}]}
    }
)
def test_google_button_is_shown_when_configured(client):
    html = client.get("/accounts/login/").content.decode()

    assert "Continue with Google" in html
    assert "/accounts/google/login/" in html


def test_account_page_needs_login(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_account_page_saves_the_profile_and_switches_language(client):
    user = UserFactory(verified=True)
    client.force_login(user)

    response = client.post(
        "/accounts/profile/",
        {
            "display_name": "민준",
            "native_language": "ko",
            "ui_language": "ko",
            "daily_goal_minutes": "30",
        },
        follow=True,
    )

    user.refresh_from_db()
    assert (user.display_name, user.native_language, user.ui_language) == ("민준", "ko", "ko")
    assert user.daily_goal_minutes == 30
    assert client.cookies["django_language"].value == "ko"
    assert "저장" in response.content.decode()


def test_account_page_refuses_a_bad_goal(client):
    user = UserFactory(verified=True)
    client.force_login(user)

    response = client.post("/accounts/profile/", {"daily_goal_minutes": "0", "ui_language": ""})

    user.refresh_from_db()
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    assert user.daily_goal_minutes == 10


def test_language_switch_is_saved_on_the_profile(client):
    user = UserFactory(verified=True)
    client.force_login(user)

    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})

    user.refresh_from_db()
    assert user.ui_language == "ko"


def test_language_switch_ignores_unknown_languages(client):
    user = UserFactory(verified=True, ui_language="en")
    client.force_login(user)

    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    user.refresh_from_db()
    assert user.ui_language == "en"


def test_login_activates_the_profile_language(client):
    UserFactory(email="dohyun@example.com", verified=True, ui_language="ko")

    response = client.post(
        "/accounts/login/", {"login": "dohyun@example.com", "password": PASSWORD}, follow=True
    )

    assert client.cookies["django_language"].value == "ko"
    assert "로그아웃" in response.content.decode()
