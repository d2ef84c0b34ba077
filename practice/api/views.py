"""The practice API: uploads, direct-to-S3 uploads and results, for the mobile app
(JWT) and the practice page's JavaScript (session + CSRF) alike; the SSE stream is in
stream.py."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import AuthenticatedRequest
from practice import direct_upload
from practice.api.serializers import (
    AnalysisResultSerializer,
    AttemptAcceptedSerializer,
    UploadAudioSerializer,
    UploadConfirmSerializer,
    UploadOfferSerializer,
)
from practice.models import Attempt
from practice.routing import attempt_websocket_path
from practice.selectors import attempt_for_owner
from practice.services import attempt_create
from practice.uploads import RecordingRejected
from scripts.models import Line
from scripts.selectors import line_detail
from yousync.api.errors import ApiError
from yousync.api.serializers import ErrorSerializer

JOB_ID = "3f1c2a4e-8b7d-4e21-9a57-0c6f2d9b1e08"


def _line_or_404(line_id: int) -> Line:
    try:
        return line_detail(pk=line_id)
    except Line.DoesNotExist as exc:
        raise NotFound(_("This line does not exist."), "not_found") from exc


# Public: the scene-dubbing API uploads a line's take through the same path and answers
# the same way (dubbing/api/views.py).
def recording_rejected(rejected: RecordingRejected) -> ApiError:
    return ApiError(rejected.status, rejected.message, rejected.code)


def attempt_accepted(attempt: Attempt) -> Response:
    body = {
        "job_id": attempt.job_id,
        "status": attempt.status,
        "result_url": reverse("practice-api:analysis-result", args=[attempt.job_id]),
        "progress_url": reverse("practice-api:analysis-progress", args=[attempt.job_id]),
        "page_url": reverse("practice:attempt", args=[attempt.job_id]),
        "websocket_url": attempt_websocket_path(attempt.job_id),
    }
    return Response(AttemptAcceptedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


def _errors(*codes: int) -> dict:
    described = {
        400: "Invalid request body, or a recording that cannot be scored",
        401: "Not signed in",
        403: "Signed in by the browser session, without its CSRF token (X-CSRFToken)",
        404: "Unknown line or attempt (someone else's attempts look unknown too)",
        409: "Direct uploads are not available (no S3 storage)",
        413: "The recording is too large",
        415: "Not an audio file we can read",
        422: "The Idempotency-Key was already used for a recording of another line",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=described[code]) for code in codes}


ACCEPTED_EXAMPLE = OpenApiExample(
    "Queued",
    value={
        "job_id": JOB_ID,
        "status": "queued",
        "result_url": f"/api/tokens/analysis-result/{JOB_ID}",
        "progress_url": f"/api/tokens/analysis-progress/{JOB_ID}",
        "page_url": f"/attempts/{JOB_ID}/",
        "websocket_url": f"/ws/attempts/{JOB_ID}/",
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
            "a retried upload returns the first attempt instead of creating another; the "
            "same key on another line is refused (422)."
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
        responses={
            202: AttemptAcceptedSerializer,
            **_errors(400, 401, 403, 404, 413, 415, 422),
        },
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
            raise recording_rejected(rejected) from rejected
        return attempt_accepted(attempt)


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
        responses={200: UploadOfferSerializer, **_errors(401, 403, 404, 409)},
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
                    "confirm_url": f"/api/attempts/{JOB_ID}/confirm",
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
        offer["confirm_url"] = reverse("practice-api:upload-confirm", args=[offer["job_id"]])
        return Response(UploadOfferSerializer(offer).data)


class UploadConfirmApi(APIView):
    throttle_scope = "upload"
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        summary="Confirm a direct upload: the recording is checked and queued",
        request=UploadConfirmSerializer,
        responses={202: AttemptAcceptedSerializer, **_errors(400, 401, 403, 404, 413, 415)},
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
            raise recording_rejected(rejected) from rejected
        except Line.DoesNotExist as exc:
            raise NotFound(_("This line does not exist."), "not_found") from exc
        return attempt_accepted(attempt)


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
