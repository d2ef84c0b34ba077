"""What the "confirm your e-mail" page needs to know about where mail goes."""

from django import template
from django.conf import settings

from accounts.adapters import PENDING_VERIFICATION_SESSION_KEY

register = template.Library()

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register.simple_tag
def mail_printed_to_console() -> bool:
    """True when mail is printed on the server's output (EMAIL_URL unset: `make run`)
    instead of sent, so the page can say where the link is."""
    return bool(settings.EMAIL_BACKEND == CONSOLE_BACKEND)


@register.simple_tag(takes_context=True)
def email_verification_pending(context: template.Context) -> bool:
    """True when this browser signed up or logged in with an address still unconfirmed,
    so "Send the link again" has an address to send to."""
    request = context.get("request")
    return request is not None and PENDING_VERIFICATION_SESSION_KEY in request.session
