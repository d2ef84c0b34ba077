"""/admin/login/ counts failed passwords like the site's and the API's sign-in."""

import pytest

from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator():
    return UserFactory(email="curator@example.com", verified=True, is_staff=True)


def admin_login(client, password: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "curator@example.com", "password": password},
    )


def test_admin_login_signs_a_curator_in(client, curator):
    response = admin_login(client, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_admin_login_refuses_even_the_right_password_after_repeated_failures(client, curator):
    for _ in range(5):
        wrong = admin_login(client, "wrong-password")
        assert wrong.status_code == 200

    response = admin_login(client, PASSWORD)

    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_failures_count_against_the_api_sign_in_too(client, curator):
    for _ in range(5):
        admin_login(client, "wrong-password")

    response = client.post(
        "/api/auth/login",
        {"email": "curator@example.com", "password": PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 429
