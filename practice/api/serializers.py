"""Request and response bodies of the mobile practice API (contract field names)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from practice.models import Attempt, AttemptStatus
from yousync.api.serializers import StrictSerializerMixin


class UploadAudioSerializer(serializers.Serializer):
    audio_file = serializers.FileField(
        help_text=_("The recording: WAV, WebM/Opus, Ogg, MP3 or M4A (checked by content).")
    )


class AttemptAcceptedSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    result_url = serializers.CharField(help_text=_("GET for the result."))
    progress_url = serializers.CharField(help_text=_("text/event-stream of progress events."))
    page_url = serializers.CharField(help_text=_("The result's web page (signed-in browsers)."))
    websocket_url = serializers.CharField(
        help_text=_("Path of a WebSocket with the same progress events (browser session).")
    )


class UploadOfferSerializer(serializers.Serializer):
    """A presigned POST: send `fields` plus the file (form field `file`) to `url`."""

    job_id = serializers.UUIDField()
    url = serializers.URLField()
    # The contract's name; DRF's metaclass takes declared fields off the class, so this
    # does not hide Serializer.fields.
    fields = serializers.DictField(child=serializers.CharField())  # type: ignore[assignment]
    upload_token = serializers.CharField()
    max_bytes = serializers.IntegerField()
    expires_in = serializers.IntegerField(help_text=_("Seconds the offer stays valid."))
    confirm_url = serializers.CharField(help_text=_("POST the upload_token here afterwards."))


class UploadConfirmSerializer(StrictSerializerMixin, serializers.Serializer):
    upload_token = serializers.CharField(max_length=4096)


class AnalysisResultSerializer(serializers.ModelSerializer):
    """An attempt as the app reads it: scores are null until status is completed."""

    token_id = serializers.IntegerField(source="line_id")
    pronunciation_score = serializers.FloatField(source="pronunciation", allow_null=True)
    intonation_score = serializers.FloatField(source="intonation", allow_null=True)
    emotion_score = serializers.FloatField(source="emotion", allow_null=True)
    timing_score = serializers.FloatField(source="timing", allow_null=True)
    overall_score = serializers.FloatField(source="overall", allow_null=True)
    detailed_feedback = serializers.JSONField(allow_null=True)
    error = serializers.CharField(source="error_message")

    class Meta:
        model = Attempt
        fields = [
            "job_id",
            "token_id",
            "status",
            "stage",
            "progress",
            "pronunciation_score",
            "intonation_score",
            "emotion_score",
            "timing_score",
            "overall_score",
            "detailed_feedback",
            "error",
            "error_code",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
