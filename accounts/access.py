"""Access rules for views outside DRF.

Pages for signed-in learners (practice, bookmarks, history) use Django's own
`login_required` / `LoginRequiredMixin`: LOGIN_URL points at allauth's login page,
which sends the learner back (`?next=`) afterwards.

Plain Django views that answer the app (e.g. the SSE progress stream) use
`api_login_required`: a session or an `Authorization: Bearer <access token>` header,
else 401 with the API's JSON error body.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken


def _unauthorized(detail: str, code: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def api_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.headers.get("Authorization"):
            try:
                authenticated = JWTAuthentication().authenticate(request)
            except (InvalidToken, AuthenticationFailed):
                return _unauthorized(
                    _("The access token is invalid or expired."), "token_not_valid"
                )
            if authenticated is not None:
                request.user = authenticated[0]
        if not request.user.is_authenticated:
            return _unauthorized(
                _("Authentication credentials were not provided."), "not_authenticated"
            )
        return view(request, *args, **kwargs)

    return wrapper
