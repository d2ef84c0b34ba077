"""The mobile practice API: uploads, direct-to-S3 uploads, results and the analysis webhook.

The same services as the web views (practice/views.py); the SSE stream is in stream.py.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import AuthenticatedRequest
from accounts.api.serializers import ErrorSerializer
from accounts.api.views import ApiError
from analysis import remote
from practice import direct_upload
from practice.api.serializers import (
    AnalysisResultSerializer,
    AnalysisWebhookSerializer,
    AttemptAcceptedSerializer,
    UploadAudioSerializer,
    UploadConfirmSerializer,
    UploadOfferSerializer,
)
from practice.models import Attempt
from practice.selectors import attempt_for_owner
from practice.services import attempt_create
from practice.uploads import RecordingRejected
from scripts.models import Line
from scripts.selectors import line_detail

JOB_ID = "3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08"


def _line_or_404(line_id: int) -> Line:
    try:
        return line_detail(pk=line_id)
    except Line.DoesNotExist as exc:
        raise NotFound(_("This line does not exist."), "not_found") from exc


def _rejected(rejected: RecordingRejected) -> ApiError:
    return ApiError(rejected.status, rejected.message, rejected.code)


def _accepted(attempt: Attempt) -> Response:
    body = {
        "job_id": attempt.job_id,
        "status": attempt.status,
        "result_url": reverse("practice-api:analysis-result", args=[attempt.job_id]),
        "progress_url": reverse("practice-api:analysis-progress", args=[attempt.job_id]),
    }
    return Response(AttemptAcceptedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


def _errors(*codes: int) -> dict:
    described = {
        400: "Invalid request body, or a recording that cannot be scored",
        401: "Not signed in",
        404: "Unknown line or attempt (someone else's attempts look unknown too)",
        409: "Direct uploads are not available (no S3 storage)",
        413: "The recording is too large",
        415: "Not an audio file we can read",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=described[code]) for code in codes}


ACCEPTED_EXAMPLE = OpenApiExample(
    "Queued",
    value={
        "job_id": JOB_ID,
        "status": "queued",
        "result_url": f"/api/tokens/analysis-result/{JOB_ID}",
        "progress_url": f"/api/tokens/analysis-progress/{JOB_ID}",
    },
    response_only=True,
    status_codes=["202"],
)


class UploadAudioApi(APIView):
    throttle_scope = "upload"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a recording of a line for scoring",
        description=(
            "Multipart `audio_file`. Scoring runs in a worker: follow `progress_url` "
            "(Server-Sent Events) or poll `result_url`. With an `Idempotency-Key` header "
            "a retried upload returns the first attempt instead of creating another."
        ),
        request={"multipart/form-data": UploadAudioSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Up to 64 characters chosen by the client, one per recording.",
            )
        ],
        responses={202: AttemptAcceptedSerializer, **_errors(400, 401, 404, 413, 415)},
        examples=[ACCEPTED_EXAMPLE],
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        line = _line_or_404(pk)
        serializer = UploadAudioSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attempt, _created = attempt_create(
                user=request.user,
                line=line,
                upload=serializer.validated_data["audio_file"],
                idempotency_key=request.headers.get("Idempotency-Key", ""),
            )
        except RecordingRejected as rejected:
            raise _rejected(rejected) from rejected
        return _accepted(attempt)


class UploadOfferApi(APIView):
    throttle_scope = "upload"

    @extend_schema(
        summary="Get a presigned POST to upload a large recording straight to S3",
        description=(
            "POST the returned `fields` and the file (as the last form field, `file`) to "
            "`url`; the policy bounds the size and the content type (audio/*). Then call "
            "`POST /api/attempts/{job_id}/confirm` with the `upload_token`."
        ),
        request=None,
        responses={200: UploadOfferSerializer, **_errors(401, 404, 409)},
        examples=[
            OpenApiExample(
                "Offer",
                value={
                    "job_id": JOB_ID,
                    "url": "https://bucket.s3.amazonaws.com/",
                    "fields": {"key": f"uploads/7/{JOB_ID}", "policy": "…", "x-amz-signature": "…"},
                    "upload_token": "eyJ1c2VyIjo3…",
                    "max_bytes": 10485760,
                    "expires_in": 900,
                },
                response_only=True,
            )
        ],
    )
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        line = _line_or_404(pk)
        if not direct_upload.direct_upload_available():
            raise ApiError(
                status.HTTP_409_CONFLICT,
                _("Direct uploads need S3 storage; upload the file instead."),
                "not_available",
            )
        offer = direct_upload.direct_upload_offer(user=request.user, line=line)
        return Response(UploadOfferSerializer(offer).data)


class UploadConfirmApi(APIView):
    throttle_scope = "upload"
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        summary="Confirm a direct upload: the recording is checked and queued",
        request=UploadConfirmSerializer,
        responses={202: AttemptAcceptedSerializer, **_errors(400, 401, 404, 413, 415)},
        examples=[
            OpenApiExample("Confirm", value={"upload_token": "eyJ1c2VyIjo3…"}, request_only=True),
            ACCEPTED_EXAMPLE,
        ],
    )
    def post(self, request: AuthenticatedRequest, job_id) -> Response:
        serializer = UploadConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attempt, _created = direct_upload.direct_upload_confirm(
                user=request.user,
                job_id=job_id,
                upload_token=serializer.validated_data["upload_token"],
            )
        except RecordingRejected as rejected:
            raise _rejected(rejected) from rejected
        except Line.DoesNotExist as exc:
            raise NotFound(_("This line does not exist."), "not_found") from exc
        return _accepted(attempt)


RESULT_EXAMPLE = OpenApiExample(
    "Completed",
    value={
        "job_id": JOB_ID,
        "token_id": 42,
        "status": "completed",
        "stage": "done",
        "progress": 100,
        "pronunciation_score": 82.5,
        "intonation_score": 74.0,
        "emotion_score": 68.2,
        "timing_score": 90.1,
        "overall_score": 79.3,
        "detailed_feedback": {"tips": ["Stress 'never'."], "words": []},
        "error": "",
        "error_code": "",
        "created_at": "2025-05-01T10:00:00+09:00",
        "finished_at": "2025-05-01T10:00:06+09:00",
    },
    response_only=True,
)


class AnalysisResultApi(APIView):
    @extend_schema(
        summary="The state of an attempt and, once completed, its scores",
        responses={200: AnalysisResultSerializer, **_errors(401, 404)},
        examples=[RESULT_EXAMPLE],
    )
    def get(self, request: AuthenticatedRequest, job_id) -> Response:
        attempt = attempt_for_owner(user=request.user, job_id=job_id)
        if attempt is None:  # unknown and foreign ids look the same
            raise NotFound(_("No attempt with this id."), "not_found")
        return Response(AnalysisResultSerializer(attempt).data)


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
