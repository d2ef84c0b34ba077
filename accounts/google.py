"""Verifying Google ID tokens sent by the mobile app (and any other Google client of ours).

The token is a JWT signed by Google: we check the RS256 signature against Google's
published key set (JWKS), the audience (one of GOOGLE_CLIENT_IDS), the issuer and the
expiry. The key set is fetched with a timeout and cached for as long as Google's
Cache-Control allows; a token signed with a key we have not seen yet (Google rotates
keys) triggers at most one refetch a minute.
"""

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
KEY_SET_CACHE_KEY = "accounts:google:jwks"
_REFETCH_GUARD_KEY = "accounts:google:jwks:refetched"
_DEFAULT_TTL_SECONDS = 3600
_MAX_TTL_SECONDS = 24 * 3600
_LEEWAY_SECONDS = 30
_MAX_AGE = re.compile(r"max-age=(\d+)")


class GoogleTokenError(Exception):
    """The ID token was refused; `code` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: "StrOrPromise") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GoogleUnavailable(Exception):
    """Google's key set could not be fetched, or Google sign-in is not configured."""

    def __init__(self, code: str, message: "StrOrPromise") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class GoogleIdentity:
    sub: str
    email: str
    email_verified: bool
    name: str = ""
    claims: dict[str, Any] = field(default_factory=dict)


def _ttl_from(response: requests.Response) -> int:
    match = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
    if not match:
        return _DEFAULT_TTL_SECONDS
    return max(60, min(int(match.group(1)), _MAX_TTL_SECONDS))


def fetch_key_set() -> dict[str, Any]:
    """Download Google's JWKS and cache it; raises GoogleUnavailable on any failure."""
    try:
        response = requests.get(
            settings.GOOGLE_JWKS_URL, timeout=settings.GOOGLE_JWKS_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        key_set = response.json()
        if not isinstance(key_set.get("keys"), list):
            raise ValueError("no 'keys' list")
    except (requests.RequestException, ValueError, AttributeError) as exc:
        raise GoogleUnavailable(
            "google_unavailable", _("Google's sign-in keys could not be fetched; try again.")
        ) from exc
    cache.set(KEY_SET_CACHE_KEY, key_set, _ttl_from(response))
    return key_set


def google_key_set() -> dict[str, Any]:
    return cache.get(KEY_SET_CACHE_KEY) or fetch_key_set()


def _find_key(key_set: dict[str, Any], kid: str):
    for jwk in key_set.get("keys", []):
        if jwk.get("kid") == kid and jwk.get("kty") == "RSA":
            return jwt.PyJWK(jwk, algorithm="RS256").key
    return None


def _signing_key(kid: str):
    key = _find_key(google_key_set(), kid)
    # An unknown kid may be a freshly rotated key: refetch, but not on every forged token.
    if key is None and cache.add(_REFETCH_GUARD_KEY, True, 60):
        key = _find_key(fetch_key_set(), kid)
    if key is None:
        raise GoogleTokenError("invalid_token", _("The ID token is not signed by Google."))
    return key


def verify_google_id_token(token: str, *, audiences: list[str] | None = None) -> GoogleIdentity:
    audiences = list(settings.GOOGLE_CLIENT_IDS if audiences is None else audiences)
    if not audiences:
        raise GoogleUnavailable(
            "google_not_configured", _("Google sign-in is not configured on this server.")
        )
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise GoogleTokenError("invalid_token", _("The ID token is malformed.")) from exc
    # Only RS256: refusing "none" and HMAC algorithms closes the key-confusion tricks.
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise GoogleTokenError("invalid_token", _("The ID token is not signed by Google."))
    key = _signing_key(header["kid"])
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=audiences,
            issuer=GOOGLE_ISSUERS,
            leeway=_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise GoogleTokenError("token_expired", _("The ID token has expired.")) from exc
    except jwt.InvalidAudienceError as exc:
        raise GoogleTokenError(
            "wrong_audience", _("The ID token was issued to another application.")
        ) from exc
    except jwt.InvalidIssuerError as exc:
        raise GoogleTokenError("wrong_issuer", _("The ID token was not issued by Google.")) from exc
    except jwt.InvalidSignatureError as exc:
        raise GoogleTokenError(
            "invalid_token", _("The ID token's signature does not match.")
        ) from exc
    except jwt.PyJWTError as exc:
        raise GoogleTokenError("invalid_token", _("The ID token is invalid.")) from exc
    return GoogleIdentity(
        sub=str(claims["sub"]),
        email=(claims.get("email") or "").strip().lower(),
        # Google sends a boolean; some older clients saw the string "true".
        email_verified=claims.get("email_verified") in (True, "true"),
        name=(claims.get("name") or "")[:80],
        claims=claims,
    )
