"""Who may read the OpenAPI schema and Swagger UI (settings.API_DOCS_PUBLIC)."""

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class ApiDocsAccess(BasePermission):
    """Anyone when API_DOCS_PUBLIC (development's default), else staff only. Read on
    each request, so the setting can change without new view classes."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if settings.API_DOCS_PUBLIC:
            return True
        return bool(request.user and request.user.is_staff)
