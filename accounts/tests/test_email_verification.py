"""The "confirm your e-mail" page: where the link is in development, and sending it again."""

import re
from html import unescape

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {"email": "seoyeon@example.com", "password1": PASSWORD, "password2": PASSWORD}
CONSOLE = "django.core.mail.backends.console.EmailBackend"
CONSOLE_HINT = "the message is printed in the terminal where the server runs"
RESENT = "If your address still needs confirming, a new link is on its way."
RESEND_URL = reverse("account_resend_email_verification")


@pytest.fixture(autouse=True)
def _mandatory_verification(settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


def text_of(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def confirmation_links() -> list[str]:
    return [
        re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
        for message in mail.outbox
    ]


def test_confirm_page_in_development_says_the_link_is_in_the_server_console(
    client, settings, capsys
):
    settings.EMAIL_BACKEND = CONSOLE  # what `make run` uses: EMAIL_URL unset

    response = client.post("/accounts/signup/", SIGNUP, follow=True)

    text = text_of(response)
    assert "Verify Your Email Address" in text
    assert CONSOLE_HINT in text and "make run" in text
    assert "Send the link again" in text
    # And the link is where the page says.
    assert "/accounts/confirm-email/" in capsys.readouterr().out


def test_confirm_page_in_korean_says_where_the_link_is(client, settings):
    settings.EMAIL_BACKEND = CONSOLE
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ko"

    text = text_of(client.post("/accounts/signup/", SIGNUP, follow=True))

    assert "서버를 실행한 터미널" in text and "링크 다시 보내기" in text


def test_confirm_page_with_a_mail_server_has_no_development_hint(client):
    # pytest-django's in-memory backend stands for a real one (SMTP, EMAIL_URL set).
    response = client.post("/accounts/signup/", SIGNUP, follow=True)

    text = text_of(response)
    assert "We have sent you an e-mail with a link." in text
    assert CONSOLE_HINT not in text and "make run" not in text
    assert "Send the link again" in text


def test_send_the_link_again_mails_a_new_link_that_works(client):
    client.post("/accounts/signup/", SIGNUP)
    cache.clear()  # allauth's cooldown (one link every three minutes) has passed

    response = client.post(RESEND_URL, follow=True)
    client.get(confirmation_links()[-1])
    confirmed = client.post(confirmation_links()[-1], follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert RESENT in text_of(response)
    assert len(mail.outbox) == 2 and mail.outbox[-1].to == ["seoyeon@example.com"]
    assert confirmed.context["user"].email == "seoyeon@example.com"


def test_send_the_link_again_within_the_cooldown_sends_nothing_more(client):
    client.post("/accounts/signup/", SIGNUP)

    response = client.post(RESEND_URL, follow=True)

    assert RESENT in text_of(response)
    assert len(mail.outbox) == 1


def test_send_the_link_again_after_logging_in_unconfirmed(client):
    UserFactory(email="dohyun@example.com")  # signed up earlier, never confirmed
    login = client.post("/accounts/login/", {"login": "dohyun@example.com", "password": PASSWORD})
    cache.clear()

    client.post(RESEND_URL)

    assert login["Location"] == reverse("account_email_verification_sent")
    assert [message.to for message in mail.outbox] == [["dohyun@example.com"]] * 2


def test_send_the_link_again_reveals_nothing_about_a_taken_address(client):
    UserFactory(email="seoyeon@example.com", verified=True)
    client.post("/accounts/signup/", SIGNUP)  # the owner gets an "already signed up" mail
    cache.clear()

    page = client.get(reverse("account_email_verification_sent"))
    response = client.post(RESEND_URL, follow=True)

    assert "Send the link again" in text_of(page)
    assert RESENT in text_of(response)
    assert len(mail.outbox) == 1


def test_send_the_link_again_without_a_sign_up_in_this_browser_goes_to_log_in(client):
    page = client.get(reverse("account_email_verification_sent"))

    response = client.post(RESEND_URL)

    assert "Send the link again" not in text_of(page)
    assert "with your e-mail address and password and we send another" in text_of(page)
    assert response["Location"] == reverse("account_login")
    assert not mail.outbox


def test_send_the_link_again_is_post_only(client):
    client.post("/accounts/signup/", SIGNUP)

    response = client.get(RESEND_URL)

    assert response.status_code == 405
    assert len(mail.outbox) == 1
