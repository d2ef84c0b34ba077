"""API-key authentication, permissions and rate limit for the partner API (DRF classes).

Keys and learners' JWTs are kept apart: partner views take only API keys (a JWT there is
refused with `not_an_api_key`), and learner views take only JWTs and sessions (a key
there is not a valid JWT: `token_not_valid`)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from partners import selectors, services
from partners.keys import looks_like_key
from partners.models import ApiKey
from yousync.api.throttles import WindowRateThrottle

HEADER = "X-API-Key"

_REFUSALS = {
    "key_revoked": _("This API key has been revoked."),
    "key_expired": _("This API key has expired."),
    "partner_inactive": _("This partner account is not active."),
}


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer ys_live_…` or `X-API-Key: ys_live_…`."""

    def authenticate(self, request):
        secret = request.headers.get(HEADER, "").strip()
        if not secret:
            parts = get_authorization_header(request).split()
            if not parts:
                return None
            if parts[0].lower() != b"bearer" or len(parts) != 2:
                raise exceptions.AuthenticationFailed(
                    _("Send the API key as 'Authorization: Bearer <key>' or 'X-API-Key'."),
                    "invalid_api_key",
                )
            secret = parts[1].decode("latin-1")
        if not looks_like_key(secret):
            raise exceptions.AuthenticationFailed(
                _("Partner endpoints take an API key (ys_live_…), not a learner's token."),
                "not_an_api_key",
            )
        key = selectors.api_key_by_secret(secret)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown API key."), "invalid_api_key")
        refusal = selectors.api_key_refusal(key)
        if refusal is not None:
            raise exceptions.AuthenticationFailed(_REFUSALS[refusal], refusal)
        services.api_key_touch(key=key)
        # No learner: request.user stays anonymous; the key is request.auth.
        return None, key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="partners"'


class HasScope(BasePermission):
    """The view's `required_scope` must be among the key's scopes (none: any key)."""

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        scope = getattr(view, "required_scope", None)
        if scope and scope not in key.scopes:
            raise exceptions.PermissionDenied(
                _("This API key lacks the '%(scope)s' scope.") % {"scope": scope},
                "insufficient_scope",
            )
        return True


class ApiKeyRateThrottle(WindowRateThrottle):
    """Each key's requests per minute, from its partner's plan (every partner endpoint
    together). Counted like the rest of the API's limits (yousync.api.throttles)."""

    scope = "partner_key"

    def limits(self, request, view) -> list[tuple[str, str]]:
        key = request.auth
        return [(self.scope, f"key:{key.pk}")] if isinstance(key, ApiKey) else []

    def rates(self, request, view) -> dict[str, tuple[int, int] | None]:
        key = request.auth
        if not isinstance(key, ApiKey):
            return {}
        return {self.scope: (key.partner.plan.requests_per_minute, 60)}

    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        if self.counts:
            request.partner_rate = self.counts[0]
        return allowed
