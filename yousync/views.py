import hmac
import sys

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from yousync import health
from yousync.outages import outage_of, unavailable_response
from yousync.tasks import pipeline_probe


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches no dependency on purpose."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
async def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, channel layer, broker and storage all answer."""
    checks = await health.run_checks()
    failed = sorted(name for name, result in checks.items() if not result["ok"])
    body = {"status": "fail" if failed else "ok", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)


def ops_token_valid(token: str) -> bool:
    return bool(settings.OPS_TOKEN) and hmac.compare_digest(token, settings.OPS_TOKEN)


@csrf_exempt
@require_POST
def pipeline_probe_start(request: HttpRequest, probe_id) -> JsonResponse:
    """Sends a probe through broker -> worker -> channel layer -> WebSocket.

    Operators subscribe to ws/ops/probe/<probe_id>/ first, then POST here with the
    X-Ops-Token header. Disabled (404) unless OPS_TOKEN is configured.
    """
    if not settings.OPS_TOKEN:
        raise Http404
    if not ops_token_valid(request.headers.get("X-Ops-Token", "")):
        return JsonResponse({"detail": "Invalid ops token.", "code": "forbidden"}, status=403)
    transaction.on_commit(lambda: pipeline_probe.send(str(probe_id)))
    return JsonResponse({"probe_id": str(probe_id), "status": "queued"}, status=202)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON in the API's error shape under /api/, the site's page elsewhere.

    Reached for paths no route matches (after CommonMiddleware had its chance to
    append a slash) and for Http404 raised outside DRF views.
    """
    if _is_api(request):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the app can parse a crash under /api/ like any other error. An outage
    of Redis or S3 that a middleware met (views' are answered before they get here) is a
    503 with Retry-After too."""
    if outage_of(sys.exc_info()[1]) is not None:
        return unavailable_response(request)
    if _is_api(request):
        return JsonResponse(
            {"detail": _("A server error occurred."), "code": "server_error"}, status=500
        )
    return defaults.server_error(request)
