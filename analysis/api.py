"""The analysis server's side of the API: the HMAC-signed webhook that delivers a remote
analysis result (ANALYSIS_BACKEND=remote; analysis/remote.py). Served at
/api/tokens/webhook/analysis-complete, beside the practice API whose attempts it finishes."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis import remote
from practice.api.serializers import AnalysisResultSerializer
from practice.api.views import JOB_ID, RESULT_EXAMPLE
from practice.models import SCORE_FIELDS, AttemptStatus
from yousync.api.errors import ApiError
from yousync.api.serializers import ErrorSerializer, StrictSerializerMixin

# The statuses a remote result can end in (named in the schema as RemoteStatusEnum).
REMOTE_STATUSES = [AttemptStatus.COMPLETED, AttemptStatus.FAILED]


def _score_field() -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=100, required=False, allow_null=True)


class AnalysisWebhookSerializer(StrictSerializerMixin, serializers.Serializer):
    """The external analysis server's result for one job."""

    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=REMOTE_STATUSES)
    pronunciation_score = serializers.FloatField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text=_(
            "Null when detailed_feedback.pronunciation.assessed is false: the line's "
            "language has no phone model, and overall_score is over the other three."
        ),
    )
    intonation_score = _score_field()
    timing_score = _score_field()
    emotion_score = _score_field()
    overall_score = _score_field()
    detailed_feedback = serializers.DictField(required=False, default=dict)
    warnings = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list, max_length=50
    )
    stage_seconds = serializers.DictField(
        child=serializers.FloatField(min_value=0), required=False, default=dict
    )
    error = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    error_code = serializers.CharField(
        required=False, allow_blank=True, max_length=64, default="remote_failed"
    )

    def validate(self, data):
        if data["status"] == AttemptStatus.COMPLETED:
            pronunciation = data.get("detailed_feedback", {}).get("pronunciation")
            not_assessed = (
                isinstance(pronunciation, dict) and pronunciation.get("assessed") is False
            )
            missing = {
                f"{name}_score": [
                    serializers.ErrorDetail(
                        str(_("Required when status is completed.")), "required"
                    )
                ]
                for name in SCORE_FIELDS
                if data.get(f"{name}_score") is None
                and not (name == "pronunciation" and not_assessed)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return data


class AnalysisWebhookApi(APIView):
    """Results from the external analysis server (ANALYSIS_BACKEND=remote)."""

    # Its own rate per IP instead of the general per-IP limit (one server calls it).
    throttle_scope = "webhook"
    # The HMAC signature is the authentication: no session, no CSRF, no JWT.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Result of an external analysis (HMAC-signed by the analysis server)",
        description=(
            "Headers `X-YouSync-Timestamp: <unix seconds>` and `X-YouSync-Signature: "
            'sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{raw body}")>`. Timestamps more '
            "than ANALYSIS_WEBHOOK_TOLERANCE_SECONDS away are refused. A repeated delivery "
            "for a finished attempt answers 200 with the stored result and changes nothing."
        ),
        auth=[],
        parameters=[
            OpenApiParameter(remote.TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(remote.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True),
        ],
        request=AnalysisWebhookSerializer,
        responses={
            200: AnalysisResultSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid fields or ranges"),
            401: OpenApiResponse(ErrorSerializer, description="Bad, missing or stale signature"),
            404: OpenApiResponse(ErrorSerializer, description="Unknown job id"),
            503: OpenApiResponse(ErrorSerializer, description="Webhook not configured"),
        },
        examples=[
            OpenApiExample(
                "Completed",
                value={
                    "job_id": JOB_ID,
                    "status": "completed",
                    "pronunciation_score": 82.5,
                    "intonation_score": 74.0,
                    "timing_score": 90.1,
                    "emotion_score": 68.2,
                    "overall_score": 79.3,
                    "detailed_feedback": {"tips": ["Stress 'never'."]},
                },
                request_only=True,
            ),
            OpenApiExample(
                "Failed",
                value={
                    "job_id": JOB_ID,
                    "status": "failed",
                    "error": "We could not hear any speech.",
                    "error_code": "no_speech",
                },
                request_only=True,
            ),
            RESULT_EXAMPLE,
        ],
    )
    def post(self, request: Request) -> Response:
        body = request.body  # the raw bytes, before parsing: they are what was signed
        try:
            remote.verify_signature(
                timestamp=request.headers.get(remote.TIMESTAMP_HEADER),
                signature=request.headers.get(remote.SIGNATURE_HEADER),
                body=body,
            )
        except remote.SignatureRefused as refused:
            code = (
                status.HTTP_503_SERVICE_UNAVAILABLE
                if refused.code == "webhook_not_configured"
                else status.HTTP_401_UNAUTHORIZED
            )
            raise ApiError(code, refused.message, refused.code) from refused
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
        serializer = AnalysisWebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        applied = remote.remote_result_apply(job_id=data["job_id"], result=data)
        if applied is None:
            raise NotFound(_("No attempt with this id."), "not_found")
        attempt, _changed = applied
        return Response(AnalysisResultSerializer(attempt).data)
