"""Writes for accounts: profile changes, Google sign-in for the app, JWT pairs, and
deleting an account after the learner proves it is them."""

import time
from typing import TYPE_CHECKING, Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors
from accounts.google import GoogleIdentity, verify_google_id_token
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


# --- Deleting an account ----------------------------------------------------------------

# A Google ID token proves a sign-in only this recent (allauth's own reauthentication
# on the web counts a password typed in the last 5 minutes the same way).
REAUTHENTICATION_MAX_AGE_SECONDS = 300


class ReauthenticationRefused(Exception):
    """The learner did not prove it is them; `code` is machine-readable."""

    def __init__(self, code: str, message: "StrOrPromise") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ReauthenticationThrottled(Exception):
    """Too many wrong passwords: the same limits as signing in (LOGIN_FAILED_RATE_LIMIT)."""


def user_reauthenticate(
    *, request: HttpRequest, user: User, password: str = "", id_token: str = ""
) -> None:
    """Check that the signed-in learner is at the keyboard before something that cannot
    be undone: the current password, or, for an account without one, a Google ID token
    issued in the last few minutes to the Google account linked to it. Wrong passwords
    count against the sign-in limits. Raises ReauthenticationRefused,
    ReauthenticationThrottled, or (for the token) accounts.google's errors."""
    if user.has_usable_password():
        if not password:
            raise ReauthenticationRefused("password_required", _("Enter your current password."))
        try:
            # allauth's adapter counts failures against the same limits as sign-in.
            confirmed = get_account_adapter(request).authenticate(
                request, email=user.email, password=password
            )
        except DjangoValidationError as exc:
            raise ReauthenticationThrottled from exc
        if confirmed is None or confirmed.pk != user.pk:
            raise ReauthenticationRefused("invalid_credentials", _("The password is not correct."))
        return
    if not id_token:
        raise ReauthenticationRefused(
            "id_token_required",
            _("This account has no password: sign in with Google again to confirm."),
        )
    identity = verify_google_id_token(id_token)
    account = selectors.google_account_get(sub=identity.sub)
    if account is None or account.user_id != user.pk:
        raise ReauthenticationRefused(
            "wrong_account", _("This Google account is not the one linked to your account.")
        )
    issued_at = float(identity.claims.get("iat", 0))
    if time.time() - issued_at > REAUTHENTICATION_MAX_AGE_SECONDS:
        raise ReauthenticationRefused(
            "token_not_fresh", _("Sign in with Google again: this sign-in is too old.")
        )


_DELETE_BATCH = 500


def _rows_with_files_delete(user: User) -> None:
    """Delete the learner's rows that hold files (attempts and the like) in batches,
    loading only their keys and file names: the file cleanup needs each row, and a
    cascade from the user would load every row whole (feedback included) at once."""
    for relation in User._meta.related_objects:
        model = relation.related_model
        if relation.on_delete is not models.CASCADE or not isinstance(model, type):
            continue
        file_fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.FileField)
        ]
        if not file_fields:
            continue
        rows = model._base_manager.filter(**{relation.field.name: user})
        while batch := list(rows.values_list("pk", flat=True)[:_DELETE_BATCH]):
            model._base_manager.filter(pk__in=batch).only("pk", *file_fields).delete()


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account and everything that is the learner's: attempts, practice
    sessions, bookmarks, statistics, addresses, linked Google account (cascades) and
    their files, from storage once this commits (django-cleanup). Every refresh token
    issued to the account is revoked; its access tokens stop working with the user."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in outstanding.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )
    _rows_with_files_delete(user)
    user.delete()
