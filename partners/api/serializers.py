"""Request and response bodies of the partner API (documentation and validation)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from partners.models import JobStatus, Reference
from scripts.models import Language
from yousync.api.serializers import StrictSerializerMixin

# The same choices as elsewhere, so the schema names each set once.
FEEDBACK_LANGUAGES = settings.LANGUAGES
TEXT_LANGUAGES = Language.choices


class AssessRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    audio = serializers.FileField(
        help_text=_("The take: WAV, FLAC, WebM/Opus, Ogg, MP3 or M4A (checked by content).")
    )
    line_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("A catalogue line (GET /api/v1/lines): its text and its actor's clip."),
    )
    text = serializers.CharField(
        required=False,
        max_length=500,
        help_text=_("What the speaker reads, when not a catalogue line."),
    )
    text_language = serializers.ChoiceField(
        choices=TEXT_LANGUAGES,
        required=False,
        help_text=_("The text's language; default: from its script (Hangul: ko, else en)."),
    )
    reference_audio = serializers.FileField(
        required=False,
        help_text=_(
            "A recording of the text to compare with. Without it (and without line_id) the "
            "take is compared with a synthetic reading (English only)."
        ),
    )
    feedback_language = serializers.ChoiceField(
        choices=FEEDBACK_LANGUAGES, default="en", help_text=_("Language of tips and reasons.")
    )
    callback_url = serializers.URLField(
        required=False,
        max_length=1000,
        help_text=_("Where the signed result is POSTed; the request is then answered 202."),
    )

    def validate_callback_url(self, value: str) -> str:
        if not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError(_("Use an http(s) URL."), "invalid")
        return value

    def validate(self, data):
        has_line, has_text = "line_id" in data, bool(data.get("text", "").strip())
        if has_line == has_text:
            raise serializers.ValidationError(
                {"text": [_("Send either line_id or text, not both and not neither.")]},
                "line_or_text",
            )
        return data


class ComparisonSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    against = serializers.CharField()


class MissingSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    reason = serializers.CharField()


class ComparisonsSerializer(serializers.Serializer):
    reference = serializers.ChoiceField(choices=Reference.choices)
    compared = ComparisonSerializer(many=True)
    not_compared = MissingSerializer(many=True)


class PartnerTipSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    text = serializers.CharField()
    word = serializers.IntegerField(required=False, help_text=_("Index of the word it is about."))


class JobResultSerializer(serializers.Serializer):
    """A scoring job: scores are null until completed (and where not compared)."""

    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=JobStatus.choices)
    status_url = serializers.CharField()
    line_id = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    language = serializers.CharField()
    audio_seconds = serializers.FloatField()
    synchronous = serializers.BooleanField(
        help_text=_("True when this answer came back in the assess request itself.")
    )
    pronunciation_score = serializers.FloatField(allow_null=True)
    intonation_score = serializers.FloatField(allow_null=True)
    timing_score = serializers.FloatField(allow_null=True)
    emotion_score = serializers.FloatField(allow_null=True)
    overall_score = serializers.FloatField(allow_null=True)
    comparisons = ComparisonsSerializer()
    tips = PartnerTipSerializer(many=True)
    feedback_language = serializers.CharField()
    detailed_feedback = serializers.JSONField(
        allow_null=True, help_text=_("Words, phones, pitch, timing: as a learner's attempt.")
    )
    error = serializers.CharField(allow_blank=True)
    error_code = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class UsageQuerySerializer(StrictSerializerMixin, serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text=_("First day (UTC); default: 30 days ago.")
    )
    end = serializers.DateField(required=False, help_text=_("Last day (UTC); default: today."))

    def validate(self, data):
        if "start" in data and "end" in data and data["start"] > data["end"]:
            raise serializers.ValidationError({"start": [_("start is after end.")]}, "invalid")
        return data


class UsageDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    key = serializers.CharField(help_text=_("The key's visible prefix."))
    key_name = serializers.CharField()
    requests = serializers.IntegerField()
    # DRF's metaclass takes declared fields off the class: this does not hide .errors.
    errors = serializers.IntegerField()  # type: ignore[assignment]
    assessments = serializers.IntegerField()
    audio_seconds = serializers.FloatField()
    latency_p50_ms = serializers.IntegerField(allow_null=True)
    latency_p95_ms = serializers.IntegerField(allow_null=True)


class QuotaSerializer(serializers.Serializer):
    audio_seconds_limit = serializers.IntegerField()
    audio_seconds_used = serializers.FloatField()
    audio_seconds_pending = serializers.FloatField()
    audio_seconds_remaining = serializers.IntegerField()
    resets_at = serializers.DateTimeField()


class UsageSerializer(serializers.Serializer):
    partner = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    quota = QuotaSerializer()
    days = UsageDaySerializer(many=True)


class LineQuerySerializer(StrictSerializerMixin, serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)
    script = serializers.IntegerField(required=False, min_value=1)
    language = serializers.ChoiceField(choices=TEXT_LANGUAGES, required=False)


class PartnerLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    language = serializers.CharField(source="script.language")
    kind = serializers.CharField(source="script.kind")
    script_id = serializers.IntegerField()
    script_title = serializers.CharField(source="script.title")
    work_title = serializers.CharField(source="script.work_title")
    duration = serializers.FloatField(allow_null=True)
