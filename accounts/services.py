"""Writes for accounts: profile changes, Google sign-in for the app, JWT pairs."""

from typing import TYPE_CHECKING, Any

from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors
from accounts.google import GoogleIdentity
from accounts.models import User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PROFILE_FIELDS = ("display_name", "native_language", "ui_language", "daily_goal_minutes")


class AccountRefused(Exception):
    """The sign-in is well-formed but not allowed; `code` is machine-readable."""

    def __init__(self, code: str, message: "StrOrPromise") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def user_update_profile(*, user: User, data: dict[str, Any]) -> User:
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for name, value in data.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(data))
    return user


def user_resend_email_verification(*, request: HttpRequest, user_id: int) -> bool:
    """Send a new confirmation link to the user's unconfirmed address; False when it is
    confirmed already or a link went out within allauth's cooldown (links already sent
    keep working). allauth's own resend, the one behind its e-mail page's button."""
    address = (
        EmailAddress.objects.filter(user_id=user_id, verified=False).order_by("-primary").first()
    )
    if address is None:
        return False
    sent: bool = send_verification_email_to_address(request, address)
    return sent


def _ensure_active(user: User) -> None:
    if not user.is_active:
        raise AccountRefused("user_inactive", _("This account is inactive."))


@transaction.atomic
def user_sign_in_with_google(*, identity: GoogleIdentity) -> User:
    """Find or create the learner behind a verified Google identity and link the two.

    The link is allauth's SocialAccount (provider "google", uid = Google's `sub`),
    the same record the web's "Continue with Google" uses, so both reach one user.
    """
    account = selectors.google_account_get(sub=identity.sub)
    if account is not None:
        linked: User = account.user  # allauth has no type information
        _ensure_active(linked)
        account.extra_data = identity.claims
        account.save(update_fields=["extra_data"])
        return linked

    if not identity.email or not identity.email_verified:
        raise AccountRefused(
            "email_not_verified", _("Google has not verified this account's email address.")
        )
    user = selectors.user_get_by_email(email=identity.email)
    if user is None:
        user = User.objects.create_user(email=identity.email, display_name=identity.name)
    else:
        _ensure_active(user)
        _claim_email(user=user, email=identity.email)

    address, _created = EmailAddress.objects.get_or_create(
        user=user, email__iexact=identity.email, defaults={"email": identity.email}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    if not EmailAddress.objects.filter(user=user, primary=True).exists():
        address.set_as_primary(conditional=True)
    SocialAccount.objects.create(
        user=user, provider=selectors.GOOGLE, uid=identity.sub, extra_data=identity.claims
    )
    return user


def _claim_email(*, user: User, email: str) -> None:
    """Google proved who owns `email`. If the existing account never proved it, whoever
    chose its password might not be that person (account pre-hijacking): wipe the
    password, as allauth does for the web flow. The owner can reset it by email."""
    verified = EmailAddress.objects.filter(user=user, email__iexact=email, verified=True)
    if not verified.exists() and user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])


def user_issue_tokens(*, user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    update_last_login(User, user)  # the sender, which the receiver does not read
    return {"access_token": str(refresh.access_token), "refresh_token": str(refresh)}
