"""Request and response bodies of the scene-dubbing API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dubbing.models import ReelStatus
from practice.models import AttemptStatus
from yousync.api.serializers import StrictSerializerMixin


class RoleActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    character_name = serializers.CharField()


class RoleSerializer(serializers.Serializer):
    actor = RoleActorSerializer()
    line_count = serializers.IntegerField(help_text=_("The role's lines in this scene."))


class RolesSerializer(serializers.Serializer):
    script_id = serializers.IntegerField()
    dubbable = serializers.BooleanField(help_text=_("Two roles or more: the scene can be dubbed."))
    roles = RoleSerializer(many=True)


class SceneSessionCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    script_id = serializers.IntegerField()
    actor_id = serializers.IntegerField(help_text=_("The role to dub: one of the script's roles."))


class TakeSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    overall_score = serializers.FloatField(allow_null=True)
    timing_score = serializers.FloatField(allow_null=True)
    onset_offset = serializers.FloatField(
        allow_null=True, help_text=_("Seconds the voice started after the actor's (- = early).")
    )
    chosen = serializers.BooleanField(help_text=_("The take that goes into the reel."))
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    result_url = serializers.CharField()
    page_url = serializers.CharField()


class SessionLineSerializer(serializers.Serializer):
    token_id = serializers.IntegerField()
    position = serializers.IntegerField()
    text = serializers.CharField()
    translation = serializers.CharField()
    speaker = serializers.CharField()
    start_time = serializers.FloatField()
    end_time = serializers.FloatField()
    is_role = serializers.BooleanField(help_text=_("One of the learner's lines."))
    dub_score = serializers.IntegerField(
        allow_null=True, help_text=_("The chosen take's score with timing weighted double.")
    )
    takes = TakeSerializer(many=True)
    upload_url = serializers.CharField(allow_null=True)


class ReelSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ReelStatus.choices)
    stage = serializers.CharField()
    progress = serializers.IntegerField()
    error = serializers.CharField()
    current = serializers.BooleanField(help_text=_("Built from the takes chosen now."))
    duration = serializers.FloatField(allow_null=True)
    m4a_url = serializers.CharField(allow_null=True, help_text=_("AAC in MPEG-4, presigned."))
    opus_url = serializers.CharField(allow_null=True, help_text=_("Opus in Ogg, presigned."))
    srt_url = serializers.CharField(allow_null=True)
    vtt_url = serializers.CharField(allow_null=True)
    websocket_url = serializers.CharField(help_text=_("Progress events while it is built."))
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class WorstSyncedSerializer(serializers.Serializer):
    token_id = serializers.IntegerField()
    text = serializers.CharField()
    onset_offset = serializers.FloatField(help_text=_("Seconds late (+) or early (-)."))


class SceneSessionSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    script_id = serializers.IntegerField()
    script_title = serializers.CharField()
    role = RoleActorSerializer()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    reel_status = serializers.ChoiceField(choices=ReelStatus.choices, allow_null=True)
    url = serializers.CharField()


class SceneSessionSerializer(SceneSessionSummarySerializer):
    lines = SessionLineSerializer(many=True)
    missing_token_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Role lines without a scored take yet.")
    )
    scene_score = serializers.IntegerField(allow_null=True)
    worst_synced = WorstSyncedSerializer(allow_null=True)
    reel = ReelSerializer(allow_null=True)
    page_url = serializers.CharField()
    result_page_url = serializers.CharField()


class TakeAcceptedSerializer(serializers.Serializer):
    """practice's upload answer (AttemptAcceptedSerializer) plus the session."""

    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    result_url = serializers.CharField()
    progress_url = serializers.CharField()
    page_url = serializers.CharField()
    websocket_url = serializers.CharField()
    session_id = serializers.UUIDField()
    token_id = serializers.IntegerField()


class ChoiceSerializer(StrictSerializerMixin, serializers.Serializer):
    job_id = serializers.UUIDField(help_text=_("A scored take of this line in this session."))


class ShareCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=365,
        help_text=_("Omit or null: the link works until revoked."),
    )


class ShareSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text=_("The page that plays the reel without an account."))
    api_url = serializers.CharField()
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class SharedReelSerializer(serializers.Serializer):
    script_title = serializers.CharField()
    work_title = serializers.CharField()
    role = serializers.CharField()
    duration = serializers.FloatField(allow_null=True)
    m4a_url = serializers.CharField()
    opus_url = serializers.CharField()
    srt_url = serializers.CharField()
    vtt_url = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
