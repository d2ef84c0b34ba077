"""The scene-dubbing API, for the app (JWT) and the scene page's JavaScript (session +
CSRF) alike. A learner only ever sees their own sessions: someone else's look unknown.
Bodies come from dubbing.presenting, which the pages use too."""

from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import AuthenticatedRequest
from dubbing import presenting, selectors, services
from dubbing.api.serializers import (
    ChoiceSerializer,
    ReelSerializer,
    RolesSerializer,
    SceneSessionCreateSerializer,
    SceneSessionSerializer,
    SceneSessionSummarySerializer,
    ShareCreateSerializer,
    SharedReelSerializer,
    ShareSerializer,
    TakeAcceptedSerializer,
)
from dubbing.models import Reel, ReelShare, SceneSession
from practice.api.serializers import UploadAudioSerializer
from practice.api.views import attempt_accepted, recording_rejected
from practice.uploads import RecordingRejected
from scripts import selectors as catalogue
from scripts.models import Actor, Line, Script
from yousync.api.errors import ApiError
from yousync.api.serializers import ErrorSerializer

DESCRIBED = {
    400: "Invalid request body, a recording that cannot be scored, or a line outside the role",
    401: "Not signed in",
    403: "Signed in by the browser session, without its CSRF token (X-CSRFToken)",
    404: "Unknown script, line, session, reel or share (someone else's look unknown too)",
    409: "Not possible in the session's state (see `code`: takes_missing, take_not_scored, "
    "reel_not_ready, not_dubbable)",
    413: "The recording is too large",
    415: "Not an audio file we can read",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer, description=DESCRIBED[code]) for code in codes}


def _conflict(error: services.DubbingError) -> ApiError:
    return ApiError(status.HTTP_409_CONFLICT, error.message, error.code)


def _session_or_404(request: AuthenticatedRequest, session_id: Any) -> SceneSession:
    session = selectors.scene_session_for_owner(user=request.user, public_id=session_id)
    if session is None:  # unknown and foreign ids look the same
        raise NotFound(_("No scene session with this id."), "not_found")
    return session


def _reel_or_404(session: SceneSession) -> Reel:
    try:
        return session.reel
    except Reel.DoesNotExist as exc:
        raise NotFound(_("This session has no reel yet."), "not_found") from exc


def _session_line_or_404(session: SceneSession, token_id: int) -> Line:
    try:
        line = catalogue.line_detail(pk=token_id)
    except Line.DoesNotExist as exc:
        raise NotFound(_("This line does not exist."), "not_found") from exc
    if line.script_id != session.script_id:
        raise NotFound(_("This line is not in the session's scene."), "not_found")
    return line


def _session_response(session: SceneSession, request: Request, code: int = 200) -> Response:
    lines = selectors.session_lines(session=session)
    body = presenting.session_body(session, lines, request)
    return Response(SceneSessionSerializer(body).data, status=code)


class RolesApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The roles of a script, with their number of lines",
        description="A scene can be dubbed when it has two roles or more; `roles` is empty "
        "otherwise.",
        responses={200: RolesSerializer, **_errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        try:
            script = catalogue.script_detail(pk=pk)
        except Script.DoesNotExist as exc:
            raise NotFound(_("This script does not exist."), "not_found") from exc
        roles = selectors.script_roles(script=script)
        body = {
            "script_id": script.pk,
            "dubbable": bool(roles),
            "roles": [
                {"actor": presenting.actor_body(r.actor), "line_count": r.line_count} for r in roles
            ],
        }
        return Response(RolesSerializer(body).data)


class SceneSessionListApi(generics.ListAPIView):
    """The learner's scene sessions, most recently active first."""

    request: AuthenticatedRequest
    serializer_class = SceneSessionSummarySerializer
    queryset = SceneSession.objects.none()  # for the schema; get_queryset uses the selector

    def get_queryset(self):
        return selectors.scene_session_list(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        bodies = [presenting.session_summary(s) for s in page or []]
        return self.get_paginated_response(SceneSessionSummarySerializer(bodies, many=True).data)

    @extend_schema(
        summary="The learner's scene sessions",
        responses={200: SceneSessionSummarySerializer(many=True), **_errors(401, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Start dubbing a scene in one role",
        request=SceneSessionCreateSerializer,
        responses={201: SceneSessionSerializer, **_errors(400, 401, 403, 404, 409)},
        examples=[OpenApiExample("Role", value={"script_id": 3, "actor_id": 7}, request_only=True)],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        body = SceneSessionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            script = catalogue.script_detail(pk=body.validated_data["script_id"])
        except Script.DoesNotExist as exc:
            raise NotFound(_("This script does not exist."), "not_found") from exc
        actor = Actor.objects.filter(pk=body.validated_data["actor_id"]).first()
        if actor is None:
            raise NotFound(_("This actor does not exist."), "not_found")
        try:
            session = services.scene_session_create(user=request.user, script=script, actor=actor)
        except services.DubbingError as error:
            raise _conflict(error) from error
        return _session_response(session, request, status.HTTP_201_CREATED)


class SceneSessionApi(APIView):
    @extend_schema(
        summary="A scene session: its lines, takes, scene score and reel",
        responses={200: SceneSessionSerializer, **_errors(401, 404)},
    )
    def get(self, request: AuthenticatedRequest, session_id: Any) -> Response:
        return _session_response(_session_or_404(request, session_id), request)


class TakeUploadApi(APIView):
    throttle_scope = "upload"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a take of one of the role's lines",
        description=(
            "The line's `upload-audio` (`POST /api/tokens/{id}/upload-audio`) within the "
            "session: the same multipart `audio_file`, `Idempotency-Key`, limits, errors and "
            "202 answer, and the take is scored as an ordinary attempt (progress, history, "
            "statistics). It joins the session's takes of that line."
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
        responses={202: TakeAcceptedSerializer, **_errors(400, 401, 403, 404, 413, 415)},
    )
    def post(self, request: AuthenticatedRequest, session_id: Any, token_id: int) -> Response:
        session = _session_or_404(request, session_id)
        line = _session_line_or_404(session, token_id)
        upload = UploadAudioSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            attempt, _created = services.scene_take_create(
                session=session,
                line=line,
                upload=upload.validated_data["audio_file"],
                idempotency_key=request.headers.get("Idempotency-Key", ""),
            )
        except RecordingRejected as rejected:
            raise recording_rejected(rejected) from rejected
        except services.DubbingError as error:
            raise ApiError(status.HTTP_400_BAD_REQUEST, error.message, error.code) from error
        response = attempt_accepted(attempt)
        response.data = TakeAcceptedSerializer(
            {**response.data, "session_id": session.public_id, "token_id": line.pk}
        ).data
        return response


class TakeChoiceApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        summary="Choose which take of a line goes into the reel",
        description="Without a choice, a line's newest scored take is used.",
        request=ChoiceSerializer,
        responses={200: SceneSessionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def put(self, request: AuthenticatedRequest, session_id: Any, token_id: int) -> Response:
        session = _session_or_404(request, session_id)
        line = _session_line_or_404(session, token_id)
        body = ChoiceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.scene_take_choose(
                session=session, line=line, job_id=body.validated_data["job_id"]
            )
        except services.DubbingError as error:
            if error.code == "unknown_take":
                raise NotFound(error.message, "not_found") from error
            if error.code == "not_in_role":
                raise ApiError(status.HTTP_400_BAD_REQUEST, error.message, error.code) from error
            raise _conflict(error) from error
        return _session_response(session, request)


class ReelApi(APIView):
    @extend_schema(
        summary="The reel: its state, and once ready its audio and subtitle URLs",
        description="Audio URLs are presigned when the storage is S3.",
        responses={200: ReelSerializer, **_errors(401, 404)},
    )
    def get(self, request: AuthenticatedRequest, session_id: Any) -> Response:
        session = _session_or_404(request, session_id)
        reel = _reel_or_404(session)
        lines = selectors.session_lines(session=session)
        return Response(ReelSerializer(presenting.reel_body(reel, lines, request)).data)

    @extend_schema(
        summary="Build the reel from the chosen takes",
        description=(
            "Every role line needs a scored take (409 `takes_missing` names them in "
            "`token_ids`). Queued on the `media` queue; follow `websocket_url`. A reel "
            "already built or building from the same takes is returned as it is (200)."
        ),
        request=None,
        responses={
            202: ReelSerializer,
            200: ReelSerializer,
            **_errors(401, 403, 404, 409),
        },
    )
    def post(self, request: AuthenticatedRequest, session_id: Any) -> Response:
        session = _session_or_404(request, session_id)
        try:
            reel, queued = services.reel_request(session=session)
        except services.DubbingError as error:
            # The error shape, plus the lines still to record.
            body = {"detail": error.message, "code": error.code, "token_ids": error.lines}
            return Response(body, status=status.HTTP_409_CONFLICT)
        lines = selectors.session_lines(session=session)
        body = ReelSerializer(presenting.reel_body(reel, lines, request)).data
        return Response(body, status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK)

    @extend_schema(
        summary="Delete the reel and its share links",
        request=None,
        responses={204: None, **_errors(401, 403, 404)},
    )
    def delete(self, request: AuthenticatedRequest, session_id: Any) -> Response:
        session = _session_or_404(request, session_id)
        services.reel_delete(reel=_reel_or_404(session))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _subtitles(text: str, kind: str) -> HttpResponse:
    content_type = "text/vtt" if kind == "vtt" else "application/x-subrip"
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="reel.{kind}"'
    return response


SUBTITLES = {
    200: OpenApiResponse(str, description="The subtitles of the whole scene (UTF-8 text)"),
}


class ReelSubtitlesApi(APIView):
    kind = "vtt"

    @extend_schema(
        summary="The reel's subtitles (WebVTT or SRT)",
        responses={**SUBTITLES, **_errors(401, 404)},
    )
    def get(self, request: AuthenticatedRequest, session_id: Any) -> HttpResponse:
        reel = _reel_or_404(_session_or_404(request, session_id))
        text = reel.subtitles_vtt if self.kind == "vtt" else reel.subtitles_srt
        if not text:
            raise NotFound(_("The reel is not ready yet."), "not_found")
        return _subtitles(text, self.kind)


class ShareListApi(APIView):
    @extend_schema(
        summary="The reel's share links",
        responses={200: ShareSerializer(many=True), **_errors(401, 404)},
    )
    def get(self, request: AuthenticatedRequest, session_id: Any) -> Response:
        reel = _reel_or_404(_session_or_404(request, session_id))
        shares = [presenting.share_body(s) for s in selectors.reel_share_list(reel=reel)]
        return Response(ShareSerializer(shares, many=True).data)

    @extend_schema(
        summary="Create a share link that plays the reel without an account",
        request=ShareCreateSerializer,
        responses={201: ShareSerializer, **_errors(400, 401, 403, 404, 409)},
        examples=[OpenApiExample("A week", value={"expires_in_days": 7}, request_only=True)],
    )
    def post(self, request: AuthenticatedRequest, session_id: Any) -> Response:
        reel = _reel_or_404(_session_or_404(request, session_id))
        body = ShareCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        days = body.validated_data.get("expires_in_days")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            share = services.reel_share_create(reel=reel, expires_at=expires_at)
        except services.DubbingError as error:
            raise _conflict(error) from error
        return Response(ShareSerializer(presenting.share_body(share)).data, status=201)


class ShareApi(APIView):
    @extend_schema(
        summary="Revoke a share link: it stops working at once",
        request=None,
        responses={204: None, **_errors(401, 403, 404)},
    )
    def delete(self, request: AuthenticatedRequest, session_id: Any, share_id: int) -> Response:
        reel = _reel_or_404(_session_or_404(request, session_id))
        share = ReelShare.objects.filter(reel=reel, pk=share_id).first()
        if share is None:
            raise NotFound(_("No share link with this id."), "not_found")
        services.reel_share_revoke(share=share)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _shared_or_404(token: str) -> ReelShare:
    share = selectors.shared_reel(token=token)
    if share is None:  # unknown, revoked, expired and deleted links look the same
        raise NotFound(_("This link does not work any more."), "not_found")
    return share


class SharedReelApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        summary="A shared reel, without an account",
        auth=[],
        responses={200: SharedReelSerializer, **_errors(404)},
    )
    def get(self, request: Request, token: str) -> Response:
        share = _shared_or_404(token)
        return Response(SharedReelSerializer(presenting.shared_reel_body(share, request)).data)


class SharedSubtitlesApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    kind = "vtt"

    @extend_schema(
        summary="A shared reel's subtitles (WebVTT or SRT), without an account",
        auth=[],
        responses={**SUBTITLES, **_errors(404)},
    )
    def get(self, request: Request, token: str) -> HttpResponse:
        reel = _shared_or_404(token).reel
        return _subtitles(
            reel.subtitles_vtt if self.kind == "vtt" else reel.subtitles_srt, self.kind
        )
