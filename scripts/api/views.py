from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from scripts import selectors
from scripts.api.serializers import (
    ScriptDetailSerializer,
    ScriptFilterSerializer,
    ScriptListSerializer,
    TokenDetailSerializer,
)
from scripts.models import Kind, Language, Line, Script


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
        ]
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
        return super().get(request, *args, **kwargs)

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

    def get_object(self):
        try:
            return selectors.line_detail(pk=self.kwargs["pk"])
        except Line.DoesNotExist as exc:
            raise NotFound("No line with this id.") from exc
