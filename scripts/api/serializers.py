from django.db.models.fields.files import FieldFile
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scripts.models import Actor, Kind, Language, Line, Script


def file_url(file: FieldFile, request) -> str | None:
    """Absolute URL of a stored file: presigned on S3, /media/... made absolute locally."""
    if not file:
        return None
    url = file.url
    if request is not None and url.startswith("/"):
        url = request.build_absolute_uri(url)
    return url


class FileUrlField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return file_url(value, self.context.get("request"))


extend_schema_field(OpenApiTypes.URI)(FileUrlField)


class ScriptFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    difficulty = serializers.IntegerField(min_value=1, max_value=5, required=False)
    q = serializers.CharField(required=False, max_length=100, allow_blank=True)


class ActorSerializer(serializers.ModelSerializer):
    photo_url = FileUrlField(source="photo", allow_null=True)

    class Meta:
        model = Actor
        fields = ["id", "name", "character_name", "photo_url"]


class ScriptSummarySerializer(serializers.ModelSerializer):
    cover_url = FileUrlField(source="cover", allow_null=True)

    class Meta:
        model = Script
        fields = [
            "id",
            "title",
            "work_title",
            "kind",
            "language",
            "difficulty",
            "description",
            "cover_url",
        ]


class ScriptListSerializer(ScriptSummarySerializer):
    line_count = serializers.IntegerField(read_only=True)

    class Meta(ScriptSummarySerializer.Meta):
        fields = [*ScriptSummarySerializer.Meta.fields, "line_count", "created_at"]


class TokenSerializer(serializers.ModelSerializer):
    """A line, called a token by the mobile app."""

    actor = ActorSerializer(allow_null=True)
    audio_url = FileUrlField(source="reference_audio")

    class Meta:
        model = Line
        fields = [
            "id",
            "position",
            "actor",
            "text",
            "translation",
            "start_time",
            "end_time",
            "duration",
            "audio_url",
        ]


class TokenDetailSerializer(TokenSerializer):
    script = ScriptSummarySerializer()

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "script"]


class ScriptDetailSerializer(ScriptSummarySerializer):
    scene_audio_url = FileUrlField(source="scene_audio", allow_null=True)
    tokens = TokenSerializer(source="visible_lines", many=True)

    class Meta(ScriptSummarySerializer.Meta):
        fields = [*ScriptSummarySerializer.Meta.fields, "scene_audio_url", "created_at", "tokens"]
