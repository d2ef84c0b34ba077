from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import User

GOOGLE = "google"


def google_account_get(*, sub: str) -> SocialAccount | None:
    return SocialAccount.objects.select_related("user").filter(provider=GOOGLE, uid=sub).first()


def user_get_by_email(*, email: str) -> User | None:
    """The account that owns an email address, from allauth's addresses or the login email."""
    address = (
        EmailAddress.objects.select_related("user")
        .filter(email__iexact=email)
        .order_by("-verified", "-primary")
        .first()
    )
    if address is not None:
        owner: User = address.user  # allauth has no type information
        return owner
    return User.objects.filter(email__iexact=email).first()


def user_has_verified_email(*, user: User) -> bool:
    verified: bool = EmailAddress.objects.filter(user=user, verified=True).exists()
    return verified


def user_has_google(*, user: User) -> bool:
    linked: bool = SocialAccount.objects.filter(user=user, provider=GOOGLE).exists()
    return linked
