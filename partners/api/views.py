"""The partner API under /api/v1/: assess, jobs, usage and the catalogue's lines.

Every view takes only API keys (authentication.py), counts each key's requests against
its plan's rate and answers with X-RateLimit-* headers; assess and usage also say the
month's audio quota (X-Audio-Quota-*). Every answer to a known key is counted in its
daily usage."""

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partners import selectors, services
from partners.api import serializers as s
from partners.api.authentication import ApiKeyAuthentication, ApiKeyRateThrottle, HasScope
from partners.models import ApiKey, Scope
from partners.results import job_result
from partners.tasks import score_partner_job
from practice.uploads import RecordingRejected
from scripts.models import Line
from scripts.selectors import line_detail, visible_lines
from yousync.api.errors import ApiError
from yousync.api.pagination import Pagination
from yousync.api.serializers import ErrorSerializer

TAG = "partners"
JOB_ID = "7d0c9a8e-5b1f-4c3a-9e2d-6f4b8a1c2d3e"
USAGE_MAX_DAYS = 366

RATE_HEADERS = {
    "X-RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Requests per minute"},
    "X-RateLimit-Remaining": {
        "schema": {"type": "integer"},
        "description": "Requests left in the current minute",
    },
    "X-RateLimit-Reset": {
        "schema": {"type": "integer"},
        "description": "Seconds until the current minute's window ends",
    },
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    described = {
        400: "Invalid request, or audio that cannot be scored",
        401: "No API key, an unknown, revoked or expired one, or a learner's token",
        402: "The month's audio quota is used up (code quota_exceeded)",
        403: "The key lacks the scope this endpoint needs (insufficient_scope)",
        404: "Unknown job or line (another partner's jobs look unknown too)",
        413: "The audio file is too large",
        415: "Not an audio file we can read",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=described[code]) for code in codes}


class PartnerApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiKeyRateThrottle]
    required_scope: str | None = None
    reports_quota = False

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(request, "_auth", None)  # set once authentication ran
        if not isinstance(key, ApiKey):
            return response
        rate = getattr(request, "partner_rate", None)
        if rate is not None:
            response["X-RateLimit-Limit"] = str(rate.limit)
            response["X-RateLimit-Remaining"] = str(rate.remaining)
            response["X-RateLimit-Reset"] = str(rate.reset_seconds)
        if self.reports_quota:
            quota = selectors.partner_quota(partner=key.partner)
            response["X-Audio-Quota-Limit"] = str(quota.limit)
            response["X-Audio-Quota-Remaining"] = str(quota.remaining)
            response["X-Audio-Quota-Reset"] = str(
                max(0, math.ceil((quota.resets_at - timezone.now()).total_seconds()))
            )
        services.usage_count_request(key=key, error=response.status_code >= 400)
        return response


QUOTA_HEADERS = {
    "X-Audio-Quota-Limit": {
        "schema": {"type": "integer"},
        "description": "Audio seconds per calendar month (UTC)",
    },
    "X-Audio-Quota-Remaining": {
        "schema": {"type": "integer"},
        "description": "Audio seconds left this month (scored and pending takes counted)",
    },
    "X-Audio-Quota-Reset": {
        "schema": {"type": "integer"},
        "description": "Seconds until the quota starts again (the next month, UTC)",
    },
}

RESULT_VALUE: dict[str, Any] = {
    "job_id": JOB_ID,
    "status": "completed",
    "status_url": f"/api/v1/jobs/{JOB_ID}",
    "line_id": None,
    "text": "I never said she stole my money",
    "language": "en",
    "audio_seconds": 2.4,
    "synchronous": True,
    "pronunciation_score": 86.2,
    "intonation_score": 71.5,
    "timing_score": 80.3,
    "emotion_score": None,
    "overall_score": 80.1,
    "comparisons": {
        "reference": "synthetic",
        "compared": [
            {"dimension": "pronunciation", "against": "each phone of the dictionary …"},
            {"dimension": "intonation", "against": "a synthetic voice's melody, …"},
            {"dimension": "timing", "against": "natural pacing as a synthetic voice …"},
        ],
        "not_compared": [
            {"dimension": "emotion", "reason": "Not scored: there is no recording …"},
            {"dimension": "onset", "reason": "The start is not compared: …"},
        ],
    },
    "tips": [{"dimension": "pronunciation", "text": "/l/ instead of /ɹ/ in 'really'. …"}],
    "feedback_language": "en",
    "detailed_feedback": {"words": [], "tips": [], "pitch": {}, "timing": {}},
    "error": "",
    "error_code": "",
    "created_at": "2025-05-01T10:00:00+00:00",
    "finished_at": "2025-05-01T10:00:01.4+00:00",
}
RESULT_EXAMPLE = OpenApiExample(
    "Scored against a synthetic reading", value=RESULT_VALUE, response_only=True
)
QUEUED_EXAMPLE = OpenApiExample(
    "Queued (long take, or callback_url given)",
    value={
        **RESULT_VALUE,
        "status": "queued",
        "synchronous": False,
        "pronunciation_score": None,
        "intonation_score": None,
        "timing_score": None,
        "overall_score": None,
        "tips": [],
        "detailed_feedback": None,
        "finished_at": None,
    },
    response_only=True,
    status_codes=["202"],
)


class AssessApi(PartnerApiView):
    required_scope = Scope.ASSESS
    reports_quota = True
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=[TAG],
        summary="Score a recording",
        description=(
            "Multipart: `audio` plus either `line_id` (a catalogue line: compared with its "
            "actor) or `text` (compared with `reference_audio` when sent, else with a "
            "synthetic reading, English only; `comparisons` says what was compared and what "
            "not). Takes up to 30 s without `callback_url` are answered here (200) when "
            "scored within the wait; otherwise 202 with the job: poll `status_url` or wait "
            "for the signed callback. An `Idempotency-Key` header makes a retry return the "
            "first job."
        ),
        request={"multipart/form-data": s.AssessRequestSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Up to 64 characters chosen by the client, one per take.",
            )
        ],
        responses={
            200: OpenApiResponse(s.JobResultSerializer, description="Scored (or failed) here"),
            202: OpenApiResponse(s.JobResultSerializer, description="Queued: follow status_url"),
            **_errors(400, 401, 402, 403, 404, 413, 415),
        },
        examples=[
            OpenApiExample(
                "Scored here",
                value={**RESULT_VALUE, "synchronous": True},
                response_only=True,
                status_codes=["200"],
            ),
            QUEUED_EXAMPLE,
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = s.AssessRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = request.auth
        assert isinstance(key, ApiKey)
        line: Line | None = None
        if "line_id" in data:
            try:
                line = line_detail(pk=data["line_id"])
            except Line.DoesNotExist as exc:
                raise NotFound(_("This line does not exist."), "not_found") from exc
        try:
            job, created = services.partner_job_create(
                key=key,
                upload=data["audio"],
                line=line,
                text=data.get("text", "").strip(),
                language=data.get("text_language", ""),
                feedback_language=data["feedback_language"],
                reference_upload=data.get("reference_audio"),
                callback_url=data.get("callback_url", ""),
                idempotency_key=request.headers.get("Idempotency-Key", ""),
            )
        except RecordingRejected as rejected:
            raise ApiError(rejected.status, rejected.message, rejected.code) from rejected
        except services.ReferenceUnavailable as exc:
            raise ApiError(
                status.HTTP_400_BAD_REQUEST,
                _(
                    "Without line_id, send reference_audio: a synthetic reference voice "
                    "exists for English text only."
                ),
                "reference_required",
            ) from exc
        except services.QuotaExceeded as exceeded:
            raise ApiError(
                status.HTTP_402_PAYMENT_REQUIRED,
                _(
                    "This take (%(take).1f s) would pass the month's audio quota "
                    "(%(left)d of %(limit)d s left). It renews on %(date)s."
                )
                % {
                    "take": exceeded.needed,
                    "left": exceeded.quota.remaining,
                    "limit": exceeded.quota.limit,
                    "date": exceeded.quota.resets_at.date().isoformat(),
                },
                "quota_exceeded",
            ) from exceeded
        if created:
            transaction.on_commit(lambda: score_partner_job.send(job.pk))
        synchronous = (
            created
            and not job.callback_url
            and job.audio_seconds <= settings.PARTNER_SYNC_MAX_SECONDS
        )
        if synchronous:
            job = selectors.partner_job_wait(job=job, timeout=settings.PARTNER_SYNC_WAIT_SECONDS)
        if job.is_final:
            return Response(job_result(job, synchronous=synchronous))
        return Response(job_result(job), status=status.HTTP_202_ACCEPTED)


class JobApi(PartnerApiView):
    required_scope = Scope.ASSESS

    @extend_schema(
        tags=[TAG],
        summary="A scoring job: its state and, once completed, its scores",
        responses={200: s.JobResultSerializer, **_errors(401, 403, 404)},
        examples=[RESULT_EXAMPLE],
    )
    def get(self, request: Request, job_id) -> Response:
        key = request.auth
        assert isinstance(key, ApiKey)
        job = selectors.partner_job_for(partner=key.partner, job_id=job_id)
        if job is None:
            raise NotFound(_("No job with this id."), "not_found")
        return Response(job_result(job))


class UsageApi(PartnerApiView):
    reports_quota = True

    @extend_schema(
        tags=[TAG],
        summary="This partner's usage per key and day, and the month's quota",
        description=(
            "Days are UTC. `requests` counts every answer to the key (errors included), "
            "`errors` answers of 400 and above plus jobs that failed, `audio_seconds` the "
            "audio scored; latency is from accepting a take to its result, over the day's "
            "scored jobs. At most 366 days at a time."
        ),
        parameters=[s.UsageQuerySerializer],
        responses={200: s.UsageSerializer, **_errors(400, 401)},
        examples=[
            OpenApiExample(
                "Usage",
                value={
                    "partner": "Example School",
                    "start": "2025-05-01",
                    "end": "2025-05-02",
                    "quota": {
                        "audio_seconds_limit": 36000,
                        "audio_seconds_used": 1250.4,
                        "audio_seconds_pending": 3.1,
                        "audio_seconds_remaining": 34746,
                        "resets_at": "2025-06-01T00:00:00Z",
                    },
                    "days": [
                        {
                            "day": "2025-05-01",
                            "key": "ys_live_ab12cd34…",
                            "key_name": "production",
                            "requests": 412,
                            "errors": 3,
                            "assessments": 398,
                            "audio_seconds": 1250.4,
                            "latency_p50_ms": 640,
                            "latency_p95_ms": 1210,
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        query = s.UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        key = request.auth
        assert isinstance(key, ApiKey)
        today = timezone.now().date()
        end = query.validated_data.get("end", today)
        start = query.validated_data.get("start", end - timedelta(days=29))
        if (end - start).days >= USAGE_MAX_DAYS:
            raise ApiError(
                status.HTTP_400_BAD_REQUEST,
                _("Ask for at most %(days)d days at a time.") % {"days": USAGE_MAX_DAYS},
                "range_too_long",
            )
        quota = selectors.partner_quota(partner=key.partner)
        body = {
            "partner": key.partner.name,
            "start": start,
            "end": end,
            "quota": {
                "audio_seconds_limit": quota.limit,
                "audio_seconds_used": round(quota.used, 3),
                "audio_seconds_pending": round(quota.pending, 3),
                "audio_seconds_remaining": quota.remaining,
                "resets_at": quota.resets_at,
            },
            "days": selectors.usage_rows(partner=key.partner, start=start, end=end),
        }
        return Response(s.UsageSerializer(body).data)


class LineListApi(PartnerApiView):
    required_scope = Scope.CATALOGUE_READ
    pagination_class = Pagination

    @extend_schema(
        tags=[TAG],
        summary="Catalogue lines a take can be scored against (line_id)",
        parameters=[s.LineQuerySerializer],
        responses={200: s.PartnerLineSerializer(many=True), **_errors(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "A catalogue line",
                value={
                    "id": 42,
                    "text": "I never said she stole my money",
                    "language": "en",
                    "kind": "movie",
                    "script_id": 3,
                    "script_title": "The Rooftop",
                    "work_title": "City Lights",
                    "duration": 2.4,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        query = s.LineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lines = (
            visible_lines()
            .filter(script__is_published=True)
            .select_related("script")
            .order_by("script_id", "position", "pk")
        )
        if "script" in query.validated_data:
            lines = lines.filter(script_id=query.validated_data["script"])
        if "language" in query.validated_data:
            lines = lines.filter(script__language=query.validated_data["language"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(lines, request, view=self)
        return paginator.get_paginated_response(s.PartnerLineSerializer(page, many=True).data)
