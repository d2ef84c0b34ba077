"""The learner's own API (/api/mypage/): bookmarks, dubbed lines, overview, practice
sessions and attempts. Reads come from practice.selectors (the web pages' own), writes
from practice.services; a learner only ever sees their own rows."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import AuthenticatedRequest
from practice import selectors, services
from practice.api.mypage_serializers import (
    AttemptFilterSerializer,
    AttemptSummarySerializer,
    BookmarkRequestSerializer,
    BookmarkSerializer,
    DubbedTokenFilterSerializer,
    DubbedTokenSerializer,
    LineFilterSerializer,
    OverviewSerializer,
    PracticeSessionSerializer,
    SessionFilterSerializer,
)
from practice.models import Attempt, Bookmark, PracticeSession
from scripts.models import Line
from yousync.api.serializers import ErrorSerializer

UNAUTHENTICATED = OpenApiResponse(ErrorSerializer, description="Not signed in")
INVALID_FILTER = OpenApiResponse(ErrorSerializer, description="A filter has a bad value")
UNKNOWN_PAGE = OpenApiResponse(ErrorSerializer, description="No such page")
LIST_ERRORS = {400: INVALID_FILTER, 401: UNAUTHENTICATED, 404: UNKNOWN_PAGE}


def _filters(serializer_class, request: Request) -> dict:
    filters = serializer_class(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data


class BookmarkListApi(generics.ListAPIView):
    """The learner's bookmarked lines, newest first."""

    request: AuthenticatedRequest
    serializer_class = BookmarkSerializer
    queryset = Bookmark.objects.none()  # for the schema; get_queryset uses the selector

    def get_queryset(self):
        filters = _filters(LineFilterSerializer, self.request)
        return selectors.bookmark_list(
            user=self.request.user, kind=filters.get("kind", ""), script_id=filters.get("script")
        )

    @extend_schema(
        summary="Bookmarked lines",
        parameters=[LineFilterSerializer],
        responses={200: BookmarkSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Bookmark a line",
        description="Bookmarking a line twice keeps one bookmark (200 the second time).",
        request=BookmarkRequestSerializer,
        responses={
            201: BookmarkSerializer,
            200: BookmarkSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid body"),
            401: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="No published line with this id"),
        },
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        body = BookmarkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        line = selectors.bookmarkable_line(
            user=request.user, line_id=body.validated_data["token_id"]
        )
        if line is None:
            raise NotFound(_("This line does not exist."), "not_found")
        created = services.bookmark_add(user=request.user, line=line)[1]
        bookmark = selectors.bookmark_list(user=request.user).get(line=line)
        return Response(
            self.get_serializer(bookmark).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Remove a bookmark",
        parameters=[OpenApiParameter("token_id", int, required=True)],
        request=None,
        responses={
            204: None,
            400: OpenApiResponse(ErrorSerializer, description="token_id missing or invalid"),
            401: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="This line is not bookmarked"),
        },
    )
    def delete(self, request: AuthenticatedRequest) -> Response:
        # Older clients send the id in a JSON body; the query string is the documented way.
        data = request.query_params if "token_id" in request.query_params else request.data
        token_id = data.get("token_id") if isinstance(data, dict) else None  # not a JSON list
        body = BookmarkRequestSerializer(data={"token_id": token_id})
        body.is_valid(raise_exception=True)
        return _bookmark_remove(request, body.validated_data["token_id"])


class BookmarkDetailApi(APIView):
    @extend_schema(
        summary="Remove a bookmark (the id in the path)",
        operation_id="mypage_bookmarks_destroy_by_token",
        responses={
            204: None,
            401: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="This line is not bookmarked"),
        },
    )
    def delete(self, request: AuthenticatedRequest, token_id: int) -> Response:
        return _bookmark_remove(request, token_id)


def _bookmark_remove(request: AuthenticatedRequest, token_id: int) -> Response:
    line = Line.objects.filter(pk=token_id).first()
    if line is None or not services.bookmark_remove(user=request.user, line=line):
        raise NotFound(_("This line is not bookmarked."), "not_found")
    return Response(status=status.HTTP_204_NO_CONTENT)


class DubbedTokenListApi(generics.ListAPIView):
    """Lines the learner has dubbed, with their best and last scores."""

    request: AuthenticatedRequest
    serializer_class = DubbedTokenSerializer
    queryset = Line.objects.none()

    def get_queryset(self):
        filters = _filters(DubbedTokenFilterSerializer, self.request)
        return selectors.dubbed_lines(
            user=self.request.user,
            kind=filters.get("kind", ""),
            script_id=filters.get("script"),
            order=filters["order"],
        )

    @extend_schema(
        summary="Lines I have dubbed",
        parameters=[DubbedTokenFilterSerializer],
        responses={200: DubbedTokenSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OverviewApi(APIView):
    @extend_schema(
        summary="My practice at a glance",
        description=(
            "Totals, averages per dimension, this week, today against the daily goal, the "
            "streak, 8 weeks of weekly averages and the latest attempts. Days and weeks "
            "are those of the site's time zone; weeks start on Monday."
        ),
        responses={200: OverviewSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(OverviewSerializer(selectors.learner_overview(user=request.user)).data)


class PracticeSessionListApi(generics.ListAPIView):
    """My sittings, newest first, each with a summary."""

    request: AuthenticatedRequest
    serializer_class = PracticeSessionSerializer
    queryset = PracticeSession.objects.none()

    def get_queryset(self):
        filters = _filters(SessionFilterSerializer, self.request)
        return selectors.practice_sessions(user=self.request.user, script_id=filters.get("script"))

    @extend_schema(
        summary="My practice sessions",
        parameters=[SessionFilterSerializer],
        responses={200: PracticeSessionSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AttemptListApi(generics.ListAPIView):
    """My attempts, newest first (GET analysis-result/{job_id} has the full feedback)."""

    request: AuthenticatedRequest
    serializer_class = AttemptSummarySerializer
    queryset = Attempt.objects.none()

    def get_queryset(self):
        filters = _filters(AttemptFilterSerializer, self.request)
        return selectors.attempt_list(
            user=self.request.user,
            line_id=filters.get("token_id"),
            status=filters.get("status", ""),
        )

    @extend_schema(
        summary="My attempts",
        parameters=[AttemptFilterSerializer],
        responses={200: AttemptSummarySerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
