import time

from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from accounts import selectors, services
from accounts.access import AuthenticatedHttpRequest
from accounts.adapters import PENDING_VERIFICATION_SESSION_KEY
from accounts.forms import AccountDeleteForm, ProfileForm
from accounts.language import set_language_cookie


@login_required
@require_http_methods(["GET", "POST"])
def account_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    language_before = user.ui_language
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=user, data={name: form.cleaned_data[name] for name in form.fields}
        )
        response = redirect("account_profile")
        if user.ui_language and user.ui_language != language_before:
            translation.activate(user.ui_language)
            set_language_cookie(response, user.ui_language)
        messages.success(request, _("Your profile is saved."))
        return response
    context = {
        "form": form,
        "has_google": selectors.user_has_google(user=user),
        "recording_retention_days": settings.RECORDING_RETENTION_DAYS,
    }
    return render(request, "accounts/profile.html", context)


def _recent_google_sign_in(request: AuthenticatedHttpRequest) -> bool:
    """Whether this browser signed in with Google in the last few minutes (allauth's
    record of the session's sign-ins): the web's proof for an account without a
    password, as a fresh ID token is the app's."""
    now = time.time()
    return any(
        record.get("method") == "socialaccount"
        and now - float(record.get("at", 0)) < services.REAUTHENTICATION_MAX_AGE_SECONDS
        for record in get_authentication_records(request, request.user)
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Delete the account after the learner proves it is them: the current password (the
    same limits as signing in), or a Google sign-in made just now."""
    user = request.user
    needs_password = user.has_usable_password()
    google_confirmed = not needs_password and _recent_google_sign_in(request)
    form = AccountDeleteForm(request.POST or None, needs_password=needs_password)
    if request.method == "POST" and form.is_valid() and (needs_password or google_confirmed):
        try:
            if needs_password:
                services.user_reauthenticate(
                    request=request, user=user, password=form.cleaned_data["password"]
                )
        except services.ReauthenticationThrottled:
            form.add_error(None, _("Too many failed sign-in attempts. Try again later."))
        except services.ReauthenticationRefused as exc:
            form.add_error("password", exc.message)
        else:
            services.user_delete(user=user)
            logout(request)
            messages.success(request, _("Your account and all its data have been deleted."))
            return redirect("home")
    context = {
        "form": form,
        "needs_password": needs_password,
        "google_confirmed": google_confirmed,
        "has_google": selectors.user_has_google(user=user),
    }
    return render(request, "accounts/delete.html", context)


@require_POST
def resend_email_verification(request: HttpRequest) -> HttpResponse:
    """ "Send the link again" on the "confirm your e-mail" page, for the address this
    browser signed up or tried to log in with."""
    if PENDING_VERIFICATION_SESSION_KEY not in request.session:
        return redirect("account_login")
    user_id = request.session[PENDING_VERIFICATION_SESSION_KEY]
    if user_id is not None:
        services.user_resend_email_verification(request=request, user_id=user_id)
    # The same answer whether a link went out, one went out minutes ago (allauth's
    # cooldown) or the address belongs to an account someone else made.
    messages.info(
        request,
        _(
            "If your address still needs confirming, a new link is on its way. One goes "
            "out every few minutes at most, and links sent earlier keep working."
        ),
    )
    return redirect("account_email_verification_sent")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language; for a signed-in learner the choice also goes on the profile."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    # Django sets the cookie only for a language the site offers.
    accepted = settings.LANGUAGE_COOKIE_NAME in response.cookies
    if request.user.is_authenticated and accepted and language != request.user.ui_language:
        services.user_update_profile(user=request.user, data={"ui_language": language})
    return response
