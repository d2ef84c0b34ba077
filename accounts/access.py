"""Access rules for views outside DRF.

Pages for signed-in learners (practice, bookmarks, history) use Django's own
`login_required` / `LoginRequiredMixin`: LOGIN_URL points at allauth's login page,
which sends the learner back (`?next=`) afterwards.

Plain Django views that answer the app (e.g. the SSE progress stream) use
`api_login_required`: a session or an `Authorization: Bearer <access token>` header,
else 401 with the API's JSON error body.

`AuthenticatedHttpRequest` and `AuthenticatedRequest` are for type checking only: the
request a view behind one of these checks (or DRF's IsAuthenticated, the API's default)
receives, whose `user` is a signed-in `User`, never `AnonymousUser`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind `login_required` or `api_login_required` (a type, never built)."""

    user: User


class AuthenticatedRequest(Request):
    """A DRF request behind IsAuthenticated (a type, never built)."""

    user: User


def _unauthorized(detail: str, code: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


_Response = TypeVar("_Response")


def api_login_required(view: Callable[..., _Response]) -> Callable[..., _Response | JsonResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> _Response | JsonResponse:
        if request.headers.get("Authorization"):
            try:
                # Typed for DRF's Request; it reads only request.META, as HttpRequest has it.
                authenticated = JWTAuthentication().authenticate(request)  # type: ignore[arg-type]
            except (InvalidToken, AuthenticationFailed):
                return _unauthorized(
                    _("The access token is invalid or expired."), "token_not_valid"
                )
            if authenticated is not None:
                # The AUTH_USER_MODEL row (JWTAuthentication, not the stateless TokenUser).
                request.user = cast(User, authenticated[0])
        if not request.user.is_authenticated:
            return _unauthorized(
                _("Authentication credentials were not provided."), "not_authenticated"
            )
        return view(request, *args, **kwargs)

    return wrapper
