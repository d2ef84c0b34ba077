import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.access import api_login_required
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@api_login_required
def progress_stream(request):
    return HttpResponse(f"stream for {request.user.email}", content_type="text/event-stream")


def test_api_login_required_answers_401_json_to_strangers(rf):
    request = rf.get("/api/tokens/analysis-progress/x")
    request.user = AnonymousUser()

    response = progress_stream(request)

    assert response.status_code == 401
    assert json.loads(response.content) == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_api_login_required_accepts_a_bearer_access_token(rf):
    user = UserFactory(email="app@example.com")
    token = RefreshToken.for_user(user).access_token
    request = rf.get("/x", HTTP_AUTHORIZATION=f"Bearer {token}")
    request.user = AnonymousUser()

    response = progress_stream(request)

    assert response.content == b"stream for app@example.com"


def test_api_login_required_refuses_a_bad_token_even_with_a_session(rf):
    request = rf.get("/x", HTTP_AUTHORIZATION="Bearer forged")
    request.user = UserFactory()

    response = progress_stream(request)

    assert response.status_code == 401
    assert json.loads(response.content)["code"] == "token_not_valid"


def test_api_login_required_accepts_the_web_session(rf):
    request = rf.get("/x")
    request.user = UserFactory(email="web@example.com")

    assert progress_stream(request).content == b"stream for web@example.com"


def test_api_login_required_refuses_an_inactive_token_owner(rf):
    user = UserFactory(is_active=False)
    request = rf.get("/x", HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    request.user = AnonymousUser()

    assert progress_stream(request).status_code == 401
