import time

import jwt
import pytest

from accounts.google import GoogleTokenError, GoogleUnavailable, verify_google_id_token
from accounts.tests.conftest import WEB_CLIENT_ID, rsa_key


def test_verify_google_id_token_returns_the_identity(google):
    identity = verify_google_id_token(google.id_token())

    assert identity.sub == "108123456789012345678"
    assert identity.email == "minji@example.com"
    assert identity.email_verified is True
    assert identity.name == "Minji Kim"


def test_verify_google_id_token_accepts_every_configured_client(google):
    identity = verify_google_id_token(google.id_token(aud=WEB_CLIENT_ID, email="a@example.com"))

    assert identity.email == "a@example.com"


def test_verify_google_id_token_accepts_the_short_issuer(google):
    assert verify_google_id_token(google.id_token(iss="accounts.google.com")).sub


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "token_expired"),
        ({"aud": "someone-else.apps.googleusercontent.com"}, "wrong_audience"),
        ({"iss": "https://evil.example.com"}, "wrong_issuer"),
        ({"exp": None}, "invalid_token"),
        ({"sub": None}, "invalid_token"),
    ],
)
def test_verify_google_id_token_refuses_bad_claims(google, claims, code):
    with pytest.raises(GoogleTokenError) as refused:
        verify_google_id_token(google.id_token(**claims))

    assert refused.value.code == code


def test_verify_google_id_token_refuses_a_forged_signature(google):
    forger = rsa_key(2)

    with pytest.raises(GoogleTokenError) as refused:
        verify_google_id_token(google.id_token(key=forger))

    assert refused.value.code == "invalid_token"
    assert "signature" in refused.value.message


def test_verify_google_id_token_refuses_unsigned_and_hmac_tokens(google):
    unsigned = jwt.encode({"sub": "1", "aud": WEB_CLIENT_ID}, None, algorithm="none")
    hmac_signed = jwt.encode(
        {"sub": "1", "aud": WEB_CLIENT_ID}, "k" * 32, algorithm="HS256", headers={"kid": google.kid}
    )

    for token in (unsigned, hmac_signed, "not-a-jwt"):
        with pytest.raises(GoogleTokenError):
            verify_google_id_token(token)


def test_google_key_set_is_fetched_once_and_cached(google):
    verify_google_id_token(google.id_token())
    verify_google_id_token(google.id_token(sub="2"))

    assert google.fetches == 1


def test_google_key_set_is_refetched_once_for_a_rotated_key(google):
    verify_google_id_token(google.id_token())
    google.rotate()

    identity = verify_google_id_token(google.id_token(sub="rotated"))
    # A second unknown key within the minute does not hammer Google.
    with pytest.raises(GoogleTokenError):
        verify_google_id_token(google.id_token(kid="unknown-kid"))

    assert identity.sub == "rotated"
    assert google.fetches == 2


def test_google_key_set_fetch_gives_up_after_the_timeout(google):
    google.delay = 2.0
    started = time.monotonic()

    with pytest.raises(GoogleUnavailable) as unavailable:
        verify_google_id_token(google.id_token())

    assert unavailable.value.code == "google_unavailable"
    assert time.monotonic() - started < 1.5


def test_google_key_set_fetch_reports_a_server_error(google):
    google.status = 500

    with pytest.raises(GoogleUnavailable):
        verify_google_id_token(google.id_token())


def test_verify_google_id_token_needs_configured_client_ids(google, settings):
    settings.GOOGLE_CLIENT_IDS = []

    with pytest.raises(GoogleUnavailable) as unavailable:
        verify_google_id_token(google.id_token())

    assert unavailable.value.code == "google_not_configured"
