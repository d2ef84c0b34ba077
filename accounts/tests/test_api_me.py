import pytest

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return UserFactory(email="hana@example.com", display_name="Hana", verified=True)


@pytest.fixture
def api(client, learner):
    client.force_login(learner)
    return client


def patch(client, body):
    return client.patch("/api/me", body, content_type="application/json")


def test_me_answers_401_with_a_json_error_without_credentials(client):
    response = client.get("/api/me")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_answers_401_for_a_bad_bearer_token(client):
    response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer nonsense")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert set(response.json()) == {"detail", "code"}


def test_me_shows_the_profile(api, learner):
    body = api.get("/api/me").json()

    assert body == {
        "id": learner.pk,
        "email": "hana@example.com",
        "display_name": "Hana",
        "native_language": "",
        "ui_language": "",
        "daily_goal_minutes": 10,
        "date_joined": body["date_joined"],
    }


def test_me_patch_changes_the_profile(api, learner):
    response = patch(
        api,
        {
            "display_name": "하나",
            "native_language": "ko",
            "ui_language": "ko",
            "daily_goal_minutes": 25,
        },
    )

    learner.refresh_from_db()
    assert response.status_code == 200, response.json()
    assert response.json()["display_name"] == "하나"
    assert (learner.native_language, learner.ui_language, learner.daily_goal_minutes) == (
        "ko",
        "ko",
        25,
    )


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"daily_goal_minutes": 0}, "daily_goal_minutes", "min_value"),
        ({"daily_goal_minutes": 1000}, "daily_goal_minutes", "max_value"),
        ({"ui_language": "fr"}, "ui_language", "invalid_choice"),
        ({"native_language": "klingon"}, "native_language", "invalid_choice"),
        ({"email": "new@example.com"}, "email", "read_only"),
        ({"is_staff": True}, "is_staff", "unknown_field"),
    ],
)
def test_me_patch_refuses_bad_values_and_changes_nothing(api, learner, body, field, code):
    response = patch(api, {**body, "display_name": "Changed"})

    learner.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert field in response.json()["errors"]
    assert learner.display_name == "Hana"
    assert learner.email == "hana@example.com"
    assert not learner.is_staff


def test_me_refuses_put_and_malformed_json(api):
    put = api.put("/api/me", {"display_name": "x"}, content_type="application/json")
    broken = api.patch("/api/me", "{", content_type="application/json")

    assert (put.status_code, put.json()["code"]) == (405, "method_not_allowed")
    assert (broken.status_code, broken.json()["code"]) == (400, "parse_error")
