from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from yousync.api.serializers import StrictSerializerMixin


class GoogleSignInSerializer(StrictSerializerMixin, serializers.Serializer):
    id_token = serializers.CharField(max_length=8192, trim_whitespace=True)


class RefreshSerializer(StrictSerializerMixin, serializers.Serializer):
    refresh_token = serializers.CharField(max_length=4096)


class LoginSerializer(StrictSerializerMixin, serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class AccountDeleteSerializer(StrictSerializerMixin, serializers.Serializer):
    password = serializers.CharField(
        max_length=4096,
        trim_whitespace=False,
        required=False,
        help_text=_("The current password; required when the account has one."),
    )
    id_token = serializers.CharField(
        max_length=8192,
        required=False,
        help_text=_(
            "For an account without a password: a Google ID token from a sign-in in the "
            "last 5 minutes, for the Google account linked to it."
        ),
    )


class UserSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "native_language",
            "ui_language",
            "daily_goal_minutes",
            "date_joined",
        ]
        read_only_fields = ["id", "email", "date_joined"]


class TokenPairSerializer(serializers.Serializer):
    """Response of the sign-in endpoints (documentation only)."""

    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    user = UserSerializer()


class AccessTokenSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField(
        help_text=_("The new refresh token; the old one is spent.")
    )
