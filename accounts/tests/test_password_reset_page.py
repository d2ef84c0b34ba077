"""The "reset link sent" page: where the link is in development, as on the confirm page."""

import pytest
from django.conf import settings as django_settings

from accounts.tests.factories import UserFactory
from accounts.tests.test_email_verification import CONSOLE, CONSOLE_HINT, text_of

pytestmark = pytest.mark.django_db


def test_reset_sent_page_in_development_says_the_link_is_in_the_server_console(
    client, settings, capsys
):
    settings.EMAIL_BACKEND = CONSOLE  # what `make run` uses: EMAIL_URL unset
    user = UserFactory()

    response = client.post("/accounts/password/reset/", {"email": user.email}, follow=True)

    text = text_of(response)
    assert CONSOLE_HINT in text and "/accounts/password/reset/key/" in text
    # And the link is where the page says.
    assert "/accounts/password/reset/key/" in capsys.readouterr().out


def test_reset_sent_page_in_korean_says_where_the_link_is(client, settings):
    settings.EMAIL_BACKEND = CONSOLE
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ko"

    text = text_of(
        client.post("/accounts/password/reset/", {"email": "x@example.com"}, follow=True)
    )

    assert "서버를 실행한 터미널" in text and "비밀번호 재설정" in text


def test_reset_sent_page_with_a_mail_server_has_no_development_hint(client):
    user = UserFactory()

    text = text_of(client.post("/accounts/password/reset/", {"email": user.email}, follow=True))

    assert "we have sent it an e-mail with a link to choose a new password" in text
    assert CONSOLE_HINT not in text
