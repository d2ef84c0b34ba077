from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
