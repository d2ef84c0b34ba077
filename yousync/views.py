import hmac

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from yousync import health
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
