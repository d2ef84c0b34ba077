"""allauth hooks: the site's language after login, whom the "confirm your e-mail" page is
for, display names from Google."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from accounts.language import activate_user_language

# The session remembers whose address the "confirm your e-mail" page waits for, so that
# "Send the link again" needs no password. None for a sign-up with an address that
# already has an account: the page and the resend answer the same (no enumeration).
PENDING_VERIFICATION_SESSION_KEY = "accounts_pending_verification"


class AccountAdapter(DefaultAccountAdapter):
    def post_login(self, request: HttpRequest, user, **kwargs: Any) -> HttpResponse:
        # Activate before the "Signed in" message is rendered, so it is in their language too.
        activate_user_language(request, user)
        response = super().post_login(request, user, **kwargs)
        activate_user_language(request, user, response)
        return response

    def respond_email_verification_sent(self, request: HttpRequest, user) -> HttpResponseBase:
        request.session[PENDING_VERIFICATION_SESSION_KEY] = user.pk if user else None
        return super().respond_email_verification_sent(request, user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin, data: dict[str, Any]):
        user = super().populate_user(request, sociallogin, data)
        if not user.display_name:
            user.display_name = (sociallogin.account.extra_data.get("name") or "")[:80]
        return user
