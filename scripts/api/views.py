from collections.abc import Callable

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.api.serializers import ErrorSerializer
from scripts import selectors
from scripts.api import cache as api_cache
from scripts.api.serializers import (
    ScriptDetailSerializer,
    ScriptFilterSerializer,
    ScriptListSerializer,
    TokenDetailSerializer,
)
from scripts.models import Kind, Language, Line, Script
from yousync import response_cache


def cached(request, scope: str, *parts, build: Callable[[], Response]) -> Response:
    """The body from the catalogue cache, or `build()`'s, stored when it is a 200; the
    whole response kept for the app's next identical request (yousync/response_cache.py).

    The body cache serves requests that go through Django (browsers, the first request):
    content negotiation, rendering and the middleware's headers run as for any response.
    """
    if not settings.CATALOGUE_CACHE_SECONDS:
        return build()
    return response_cache.cacheable(
        request, lambda: _body_cached(request, scope, *parts, build=build), per_learner=False
    )


def _body_cached(request, scope: str, *parts, build: Callable[[], Response]) -> Response:
    key = api_cache.response_key(scope, request, *parts)
    version, body = api_cache.lookup(key)
    if body is not None:
        return Response(body)
    response = build()
    if response.status_code == status.HTTP_200_OK:
        api_cache.store(key, version, response.data)
    return response


class ScriptListApi(generics.ListAPIView):
    """Published scripts, newest first; filter by kind, language, difficulty or text."""

    permission_classes = [permissions.AllowAny]
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
        return cached(request, "scripts", build=lambda: self.list(request, *args, **kwargs))

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
    serializer_class = ScriptDetailSerializer
    queryset = Script.objects.none()  # for the schema; get_object uses the selector

    def get(self, request, *args, **kwargs):
        return cached(
            request, "script", kwargs["pk"], build=lambda: self.retrieve(request, *args, **kwargs)
        )

    def get_object(self):
        try:
            return selectors.script_detail(pk=self.kwargs["pk"])
        except Script.DoesNotExist as exc:
            raise NotFound("No published script with this id.") from exc


class TokenDetailApi(generics.RetrieveAPIView):
    """One line of a published script."""

    permission_classes = [permissions.AllowAny]
    serializer_class = TokenDetailSerializer
    queryset = Line.objects.none()

    def get(self, request, *args, **kwargs):
        return cached(
            request, "token", kwargs["pk"], build=lambda: self.retrieve(request, *args, **kwargs)
        )

    def get_object(self):
        try:
            return selectors.line_detail(pk=self.kwargs["pk"])
        except Line.DoesNotExist as exc:
            raise NotFound("No line with this id.") from exc
