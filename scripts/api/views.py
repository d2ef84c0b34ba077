import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from scripts import selectors
from scripts.api.serializers import (
    ScriptDetailSerializer,
    ScriptFilterSerializer,
    ScriptListSerializer,
    TokenDetailSerializer,
)
from scripts.models import Kind, Language, Line, Script
from yousync.api.serializers import ErrorSerializer

# The catalogue is public: a bearer token only names who is counted by the rate limits,
# so it is checked (signature, expiry) without reading the account's row.
CATALOGUE_AUTHENTICATION = [JWTStatelessUserAuthentication]


def catalogue_answer(request: Request, build: Callable[[], Response]) -> HttpResponseBase:
    """A catalogue answer with HTTP caching, built at most once per catalogue version.

    The answer is the same for everyone, so it says `Cache-Control: public,
    max-age=CATALOGUE_CACHE_SECONDS` (a CDN or proxy may keep it) and carries an ETag
    made from the catalogue's version (scripts.selectors.catalogue_version: one query)
    and what else shapes the body; a client that has it gets 304 without any work. The
    body is kept in the cache under that ETag, so an edit in the admin shows on the next
    request. The ETag also moves every CATALOGUE_CACHE_SECONDS, because bodies hold
    presigned URLs that must not be served once old.
    """
    lifetime = settings.CATALOGUE_CACHE_SECONDS
    shape = "\n".join(
        [
            selectors.catalogue_version(),
            str(int(time.time() // lifetime) if lifetime else 0),
            request.build_absolute_uri(),  # pagination links and local media are absolute
            request.accepted_media_type or "",
            get_language() or "",
        ]
    )
    etag = f'"{hashlib.blake2b(shape.encode(), digest_size=16).hexdigest()}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _cacheable(not_modified, etag, lifetime)
    key = f"api:catalogue:{etag}"
    data = cache.get(key) if lifetime else None
    if data is not None:
        response = Response(data)
    else:
        response = build()
        if lifetime and response.status_code == status.HTTP_200_OK:
            cache.set(key, response.data, timeout=lifetime)
    if response.status_code == status.HTTP_200_OK:
        _cacheable(response, etag, lifetime)
    return response


def _cacheable(response: HttpResponseBase, etag: str, lifetime: int) -> HttpResponseBase:
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=lifetime)
    return response


class ScriptListApi(generics.ListAPIView):
    """Published scripts, newest first; filter by kind, language, difficulty or text."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = CATALOGUE_AUTHENTICATION
    serializer_class = ScriptListSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("language", str, enum=Language.values),
            OpenApiParameter("difficulty", int),
            OpenApiParameter("q", str, description="Search titles, lines and actors."),
        ],
        responses={200: ScriptListSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request, *args, **kwargs):
        filters = ScriptFilterSerializer(data=request.query_params)
        if not filters.is_valid():
            detail = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in filters.errors.items()
            )
            return Response(
                {"detail": detail, "code": "invalid", "errors": filters.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        self.filters = filters.validated_data
        return catalogue_answer(request, lambda: self.list(request, *args, **kwargs))

    def get_queryset(self):
        data = getattr(self, "filters", {})
        return selectors.script_list(
            kind=data.get("kind", ""),
            language=data.get("language", ""),
            difficulty=data.get("difficulty"),
            search=data.get("q", ""),
        )


class ScriptDetailApi(generics.RetrieveAPIView):
    """One published script with its lines ("tokens") and their reference audio URLs."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = CATALOGUE_AUTHENTICATION
    serializer_class = ScriptDetailSerializer
    queryset = Script.objects.none()  # for the schema; get_object uses the selector

    def get(self, request, *args, **kwargs):
        return catalogue_answer(request, lambda: self.retrieve(request, *args, **kwargs))

    def get_object(self):
        try:
            return selectors.script_detail(pk=self.kwargs["pk"])
        except Script.DoesNotExist as exc:
            raise NotFound("No published script with this id.") from exc


class TokenDetailApi(generics.RetrieveAPIView):
    """One line of a published script."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = CATALOGUE_AUTHENTICATION
    serializer_class = TokenDetailSerializer
    queryset = Line.objects.none()

    def get(self, request, *args, **kwargs):
        return catalogue_answer(request, lambda: self.retrieve(request, *args, **kwargs))

    def get_object(self):
        try:
            return selectors.line_detail(pk=self.kwargs["pk"])
        except Line.DoesNotExist as exc:
            raise NotFound("No line with this id.") from exc
