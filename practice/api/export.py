"""GET /api/me/export: the learner's data and recordings as a zip (practice.export)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from accounts.access import AuthenticatedRequest
from practice.export import export_filename, learner_export_chunks
from yousync.api.serializers import ErrorSerializer
from yousync.streaming import streaming_download


class ZipOrJsonErrors(BaseContentNegotiation):
    """The answer is a zip whatever the client accepts (`Accept: application/zip`
    included); errors come as JSON, the API's one shape."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportApi(APIView):
    content_negotiation_class = ZipOrJsonErrors

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=(
                    "A zip, streamed: README.txt, account.json, attempts.json (scores, "
                    "feedback, the recording's name in the archive or null once deleted), "
                    "sessions.json, bookmarks.json, statistics.json and recordings/"
                    "<job_id>.<ext>"
                ),
            ),
            401: OpenApiResponse(ErrorSerializer, description="Not signed in"),
        },
        summary="Export my data (zip of JSON and my recordings)",
    )
    def get(self, request: AuthenticatedRequest):
        return streaming_download(
            request._request,
            learner_export_chunks(user=request.user),
            content_type="application/zip",
            filename=export_filename(user=request.user),
        )
