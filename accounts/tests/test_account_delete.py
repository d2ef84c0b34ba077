"""Deleting an account, in the API (DELETE /api/me) and on the web (/accounts/delete/):
proof by the current password (rate-limited like sign-in) or, without a password, a
fresh Google sign-in; everything of the learner goes, files once the delete commits,
and its tokens stop working."""

import json
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from practice.models import (
    Attempt,
    Bookmark,
    LearnerDay,
    LearnerLineStats,
    LearnerStats,
    PracticeSession,
)
from practice.tests.factories import AttemptFactory, BookmarkFactory, PracticeSessionFactory

pytestmark = pytest.mark.django_db

GOOGLE_SUB = "108123456789012345678"


@pytest.fixture
def learner():
    return UserFactory(email="hana@example.com", verified=True)


def with_practice(user: User) -> list[str]:
    """Attempts with stored recordings, a session, a bookmark (and the statistics the
    attempts keep); the recordings' names."""
    names = [
        default_storage.save(f"attempts/test/{user.pk}-{n}.webm", ContentFile(b"take"))
        for n in range(2)
    ]
    session = PracticeSessionFactory(user=user)
    for name in names:
        AttemptFactory(user=user, recording=name, session=session)
    BookmarkFactory(user=user)
    return names


def tokens_for(client, user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def delete_me(client, access: str, body: dict | None):
    return client.delete(
        "/api/me",
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )


def rows_of(user_id: int) -> dict[str, int]:
    return {
        "attempts": Attempt.objects.filter(user_id=user_id).count(),
        "sessions": PracticeSession.objects.filter(user_id=user_id).count(),
        "bookmarks": Bookmark.objects.filter(user_id=user_id).count(),
        "line_stats": LearnerLineStats.objects.filter(user_id=user_id).count(),
        "days": LearnerDay.objects.filter(user_id=user_id).count(),
        "totals": LearnerStats.objects.filter(user_id=user_id).count(),
        "addresses": EmailAddress.objects.filter(user_id=user_id).count(),
    }


def test_delete_me_with_the_right_password_deletes_everything_and_its_tokens_fail(
    client, learner, django_capture_on_commit_callbacks
):
    names = with_practice(learner)
    tokens = tokens_for(client, learner)
    other = UserFactory()
    others_names = with_practice(other)
    assert all(rows_of(learner.pk).values())

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_me(client, tokens["access"], {"password": PASSWORD})

    assert response.status_code == 204
    assert not User.objects.filter(pk=learner.pk).exists()
    assert rows_of(learner.pk) == dict.fromkeys(rows_of(learner.pk), 0)
    assert not any(default_storage.exists(name) for name in names)
    assert all(default_storage.exists(name) for name in others_names)
    assert all(rows_of(other.pk)[kind] for kind in ("attempts", "sessions", "bookmarks"))
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 401
    refresh = client.post(
        "/api/auth/refresh", {"refresh_token": tokens["refresh"]}, content_type="application/json"
    )
    assert refresh.status_code == 401
    assert refresh.json()["code"] == "token_not_valid"


def test_delete_me_with_a_wrong_password_is_refused_and_keeps_everything(client, learner):
    names = with_practice(learner)
    tokens = tokens_for(client, learner)

    response = delete_me(client, tokens["access"], {"password": "not-my-password"})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert User.objects.filter(pk=learner.pk).exists()
    assert rows_of(learner.pk)["attempts"] == 2
    assert all(default_storage.exists(name) for name in names)
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 200


def test_delete_me_wrong_passwords_are_rate_limited_like_sign_in(client, learner):
    tokens = tokens_for(client, learner)
    for _ in range(5):
        delete_me(client, tokens["access"], {"password": "wrong"})

    response = delete_me(client, tokens["access"], {"password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_login_attempts"
    assert User.objects.filter(pk=learner.pk).exists()
    # The same counters as the sign-in endpoint's.
    login = client.post(
        "/api/auth/login",
        {"email": learner.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 429


def test_delete_me_needs_the_password_and_refuses_unknown_fields(client, learner):
    tokens = tokens_for(client, learner)

    missing = delete_me(client, tokens["access"], {})
    unknown = delete_me(client, tokens["access"], {"password": PASSWORD, "really": True})

    assert (missing.status_code, missing.json()["code"]) == (400, "password_required")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_field")
    assert User.objects.filter(pk=learner.pk).exists()


def test_delete_me_without_credentials_is_401(client):
    response = client.delete("/api/me", "{}", content_type="application/json")

    assert response.status_code == 401


def test_a_learner_cannot_delete_someone_else_with_their_password(client, learner):
    other = UserFactory(email="minji@example.com", verified=True)
    other.set_password("minjis-own-password-7")
    other.save()
    tokens = tokens_for(client, learner)

    response = delete_me(client, tokens["access"], {"password": "minjis-own-password-7"})

    assert response.status_code == 401
    assert User.objects.filter(pk__in=[learner.pk, other.pk]).count() == 2


# --- Accounts without a password: a fresh Google ID token -------------------------------


@pytest.fixture
def google_learner(google):
    user = User.objects.create_user(email="minji@example.com")  # no usable password
    SocialAccount.objects.create(user=user, provider="google", uid=GOOGLE_SUB)
    return user


def test_google_only_account_is_deleted_with_a_fresh_id_token(
    client, google, google_learner, django_capture_on_commit_callbacks
):
    names = with_practice(google_learner)
    tokens = tokens_for(client, google_learner)

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_me(client, tokens["access"], {"id_token": google.id_token()})

    assert response.status_code == 204
    assert not User.objects.filter(pk=google_learner.pk).exists()
    assert not SocialAccount.objects.filter(uid=GOOGLE_SUB).exists()
    assert not any(default_storage.exists(name) for name in names)


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"iat": int(time.time()) - 600}, "token_not_fresh"),
        ({"sub": "999999999999999999999"}, "wrong_account"),
        ({"aud": "someone-else.apps.googleusercontent.com"}, "wrong_audience"),
        ({"exp": int(time.time()) - 3600}, "token_expired"),
    ],
)
def test_google_only_account_refuses_a_stale_foreign_or_bad_id_token(
    client, google, google_learner, claims, code
):
    tokens = tokens_for(client, google_learner)

    response = delete_me(client, tokens["access"], {"id_token": google.id_token(**claims)})

    assert response.status_code == 401
    assert response.json()["code"] == code
    assert User.objects.filter(pk=google_learner.pk).exists()


def test_google_only_account_needs_an_id_token_not_a_password(client, google, google_learner):
    tokens = tokens_for(client, google_learner)

    response = delete_me(client, tokens["access"], {"password": "anything"})

    assert (response.status_code, response.json()["code"]) == (400, "id_token_required")


# --- The web ---------------------------------------------------------------------------


def test_profile_page_links_to_export_and_deletion(client, learner):
    client.force_login(learner)

    html = client.get("/accounts/profile/").content.decode()

    assert 'href="/me/export/"' in html
    assert 'href="/accounts/delete/"' in html


def test_web_delete_with_the_password_deletes_the_account_and_signs_out(
    client, learner, django_capture_on_commit_callbacks
):
    names = with_practice(learner)
    client.force_login(learner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=learner.pk).exists()
    assert not any(default_storage.exists(name) for name in names)
    assert client.get("/accounts/profile/").status_code == 302  # signed out


def test_web_delete_refuses_a_wrong_password_or_no_tick(client, learner):
    client.force_login(learner)

    wrong = client.post("/accounts/delete/", {"password": "wrong", "confirm": "on"})
    unticked = client.post("/accounts/delete/", {"password": PASSWORD})

    assert wrong.status_code == 200 and "The password is not correct." in wrong.content.decode()
    assert unticked.status_code == 200
    assert User.objects.filter(pk=learner.pk).exists()


def test_web_delete_of_a_google_only_account_needs_a_recent_google_sign_in(
    client, google_learner, django_capture_on_commit_callbacks
):
    client.force_login(google_learner)

    page = client.get("/accounts/delete/").content.decode()
    refused = client.post("/accounts/delete/", {"confirm": "on"})
    assert "sign in with Google again" in page
    assert User.objects.filter(pk=google_learner.pk).exists() and refused.status_code == 200

    # What allauth records when this browser signs in with Google.
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "socialaccount", "at": time.time(), "provider": "google", "uid": GOOGLE_SUB}
    ]
    session["account_authentication_methods_user"] = str(google_learner.pk)
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/delete/", {"confirm": "on"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=google_learner.pk).exists()


def test_delete_page_and_profile_panel_are_in_korean(client, learner):
    learner.ui_language = "ko"
    learner.save()
    client.force_login(learner)

    profile = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    page = client.get("/accounts/delete/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert "내 데이터 내려받기" in profile and "녹음은 90일 동안 보관됩니다" in profile
    assert "내 계정 삭제" in page and "현재 비밀번호" in page


def test_deleting_a_learner_in_the_admin_also_revokes_tokens_and_deletes_files(
    client, learner, django_capture_on_commit_callbacks
):
    names = with_practice(learner)
    tokens = tokens_for(client, learner)
    client.force_login(User.objects.create_superuser("admin@example.com", "admin-password-1"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/accounts/user/{learner.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=learner.pk).exists()
    assert not any(default_storage.exists(name) for name in names)
    refresh = client.post(
        "/api/auth/refresh", {"refresh_token": tokens["refresh"]}, content_type="application/json"
    )
    assert refresh.status_code == 401
