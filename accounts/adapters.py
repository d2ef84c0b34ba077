"""allauth hooks: the site's language after login, display names from Google."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest, HttpResponse

from accounts.language import activate_user_language


class AccountAdapter(DefaultAccountAdapter):
    def post_login(self, request: HttpRequest, user, **kwargs: Any) -> HttpResponse:
        # Activate before the "Signed in" message is rendered, so it is in their language too.
        activate_user_language(request, user)
        response = super().post_login(request, user, **kwargs)
        activate_user_language(request, user, response)
        return response


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin, data: dict[str, Any]):
        user = super().populate_user(request, sociallogin, data)
        if not user.display_name:
            user.display_name = (sociallogin.account.extra_data.get("name") or "")[:80]
        return user
