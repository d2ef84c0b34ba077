from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User

if TYPE_CHECKING:  # what the mixin is mixed into
    _SerializerBase = serializers.Serializer[Any]
else:
    _SerializerBase = object


class StrictSerializerMixin(_SerializerBase):
    """Refuse fields the endpoint does not take, instead of silently ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            errors = {}
            for name in data:
                if name in writable:
                    continue
                if name in self.fields:
                    errors[name] = [
                        serializers.ErrorDetail(
                            str(_("This field cannot be changed.")), "read_only"
                        )
                    ]
                else:
                    errors[name] = [
                        serializers.ErrorDetail(str(_("Unknown field.")), "unknown_field")
                    ]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class GoogleSignInSerializer(StrictSerializerMixin, serializers.Serializer):
    id_token = serializers.CharField(max_length=8192, trim_whitespace=True)


class RefreshSerializer(StrictSerializerMixin, serializers.Serializer):
    refresh_token = serializers.CharField(max_length=4096)


class LoginSerializer(StrictSerializerMixin, serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


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


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
