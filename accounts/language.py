"""The learner's interface language: stored on the profile, applied at login."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


def activate_user_language(
    request: HttpRequest, user, response: HttpResponse | None = None
) -> None:
    """Use the profile's language for this request and, given a response, from now on.

    LocaleMiddleware picks the language cookie up on the next request; an empty
    profile value leaves the browser's choice alone.
    """
    language = getattr(user, "ui_language", "")
    if not language:
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if response is not None:
        set_language_cookie(response, language)


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
