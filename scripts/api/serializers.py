from django.db.models.fields.files import FieldFile
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scripts.guide import guide_body
from scripts.models import Actor, Kind, Language, Line, Script
from scripts.selectors import line_song


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

# ISO 8601 in the site's time zone, exactly as DRF's DateTimeField writes it.
iso_datetime = serializers.DateTimeField().to_representation

# The catalogue's bodies are written out field by field (`to_representation` below):
# DRF's generic walk over declared fields cost more than the rest of a request. The
# declared fields still describe each body for the OpenAPI schema, which the contract
# tests and schemathesis check the bodies against.


def actor_body(actor: Actor | None, request) -> dict | None:
    if actor is None:
        return None
    return {
        "id": actor.id,
        "name": actor.name,
        "character_name": actor.character_name,
        "photo_url": file_url(actor.photo, request),
    }


def script_summary_body(script: Script, request) -> dict:
    return {
        "id": script.id,
        "title": script.title,
        "work_title": script.work_title,
        "kind": script.kind,
        "language": script.language,
        "difficulty": script.difficulty,
        "description": script.description,
        "cover_url": file_url(script.cover, request),
    }


def token_body(line: Line, request) -> dict:
    return {
        "id": line.id,
        "position": line.position,
        "actor": actor_body(line.actor, request),
        "text": line.text,
        "translation": line.translation,
        "start_time": line.start_time,
        "end_time": line.end_time,
        "duration": line.duration,
        "audio_url": file_url(line.reference_audio, request),
        "song": line_song(line),
        "guide": guide_body(line, url=lambda file: file_url(file, request)),
    }


def token_detail_body(line: Line, request) -> dict:
    return {**token_body(line, request), "script": script_summary_body(line.script, request)}


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

    def to_representation(self, instance):
        return actor_body(instance, self.context.get("request"))


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

    def to_representation(self, instance):
        return script_summary_body(instance, self.context.get("request"))


class ScriptListSerializer(ScriptSummarySerializer):
    line_count = serializers.IntegerField(read_only=True)

    class Meta(ScriptSummarySerializer.Meta):
        fields = [*ScriptSummarySerializer.Meta.fields, "line_count", "created_at"]

    def to_representation(self, instance):
        return {
            **script_summary_body(instance, self.context.get("request")),
            "line_count": instance.line_count,
            "created_at": iso_datetime(instance.created_at),
        }


class GuideWordSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="The word as written (punctuation left out).")
    start = serializers.FloatField(help_text="Seconds into the normal-speed clip.")
    end = serializers.FloatField()
    slow_start = serializers.FloatField(help_text="Seconds into the slow clip.")
    slow_end = serializers.FloatField()


class GuideSerializer(serializers.Serializer):
    """A synthetic reading of the line (the guide voice); null when the script has it
    switched off, the language has no voice, or it is not made yet."""

    synthetic = serializers.BooleanField(help_text="Always true: tell learners it is synthetic.")
    voice = serializers.CharField(
        help_text="Which voice made it, e.g. festival:cmu_us_slt_arctic_hts."
    )
    voice_label = serializers.CharField()
    url = serializers.URLField(help_text="The line at normal speed (FLAC).")
    slow_url = serializers.URLField(help_text="The line read slowly by the voice itself (FLAC).")
    slow_factor = serializers.FloatField(help_text="About how many times longer the slow clip is.")
    words = GuideWordSerializer(many=True)


class SongSerializer(serializers.Serializer):
    """A song line's key and starting note, from the actor's clip; null for speech lines.
    Each value is null when the engine could not tell (too few notes for a key) or has
    not analysed the clip yet."""

    key = serializers.CharField(
        allow_null=True,
        help_text='The key to show, e.g. "A minor": the song\'s where it has one, else the '
        "line's own.",
    )
    key_ko = serializers.CharField(allow_null=True, help_text='The key in Korean, e.g. "가단조".')
    song_key = serializers.CharField(
        allow_null=True, help_text="The key of the whole song (all its analysed lines)."
    )
    song_key_ko = serializers.CharField(allow_null=True)
    line_key = serializers.CharField(
        allow_null=True, help_text="The key of this line's notes alone (often none: too few)."
    )
    line_key_ko = serializers.CharField(allow_null=True)
    start_note = serializers.CharField(allow_null=True, help_text='The first note, e.g. "E4".')
    start_midi = serializers.IntegerField(allow_null=True, help_text="Its MIDI number (E4 = 64).")
    start_hz = serializers.FloatField(
        allow_null=True, help_text="The actor's pitch on it, Hz: play it before the count-in."
    )


class TokenSerializer(serializers.ModelSerializer):
    """A line, called a token by the mobile app."""

    actor = ActorSerializer(allow_null=True)
    audio_url = FileUrlField(source="reference_audio")
    song = SongSerializer(allow_null=True, read_only=True)
    guide = GuideSerializer(allow_null=True, read_only=True)

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
            "song",
            "guide",
        ]

    def to_representation(self, instance):
        return token_body(instance, self.context.get("request"))


class TokenDetailSerializer(TokenSerializer):
    script = ScriptSummarySerializer()

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "script"]

    def to_representation(self, instance):
        return token_detail_body(instance, self.context.get("request"))


class ScriptDetailSerializer(ScriptSummarySerializer):
    scene_audio_url = FileUrlField(source="scene_audio", allow_null=True)
    tokens = TokenSerializer(source="visible_lines", many=True)

    class Meta(ScriptSummarySerializer.Meta):
        fields = [*ScriptSummarySerializer.Meta.fields, "scene_audio_url", "created_at", "tokens"]

    def to_representation(self, instance):
        request = self.context.get("request")
        return {
            **script_summary_body(instance, request),
            "scene_audio_url": file_url(instance.scene_audio, request),
            "created_at": iso_datetime(instance.created_at),
            "tokens": [token_body(line, request) for line in instance.visible_lines],
        }
