"""The learner's own pages: history of dubbed lines, bookmarks, overview, practice
sessions, and the bookmark toggle used on the script and practice pages."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import AuthenticatedHttpRequest
from practice import selectors, services, stats
from practice.export import export_filename, learner_export_chunks
from practice.forms import BookmarkFilterForm, DubbedLineFilterForm
from yousync.streaming import streaming_download

PAGE_SIZE = 20

DIMENSION_LABELS = {
    "overall": gettext_lazy("Overall"),
    "pronunciation": gettext_lazy("Pronunciation"),
    "intonation": gettext_lazy("Intonation"),
    "timing": gettext_lazy("Timing"),
    "emotion": gettext_lazy("Emotion"),
}


def _page(request: HttpRequest, items) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@require_GET
def history(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DubbedLineFilterForm(request.GET)
    page = _page(request, selectors.dubbed_lines(user=request.user, **form.filters()))
    lines = list(page.object_list)
    trends = selectors.overall_trends(user=request.user, line_ids=[line.pk for line in lines])
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    for line in lines:
        line.just_now = line.last_attempt_at >= a_minute_ago
        scores = trends.get(line.pk, [])
        line.trend = stats.sparkline(scores)
        line.change = (
            round(line.last_overall) - round(line.first_overall) if len(scores) > 1 else None
        )
    return render(
        request,
        "practice/history.html",
        {"page": page, "lines": lines, "section": "history", "form": form},
    )


@login_required
@require_GET
def bookmarks(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BookmarkFilterForm(request.GET)
    page = _page(request, selectors.bookmark_list(user=request.user, **form.filters()))
    return render(
        request,
        "practice/bookmarks.html",
        {"page": page, "bookmarks": page.object_list, "section": "bookmarks", "form": form},
    )


@login_required
@require_GET
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    overview = selectors.learner_overview(user=request.user)
    chart = stats.score_chart(overview.weeks, selectors.DIMENSIONS)
    for series in chart.series:
        series.label = DIMENSION_LABELS[series.name]
    return render(
        request,
        "practice/overview.html",
        {
            "section": "overview",
            "overview": overview,
            "chart": chart,
            "week_rows": [
                (w.week, w.count, [w.scores[name] for name in selectors.DIMENSIONS])
                for w in overview.weeks
            ],
            "dimensions": [(name, DIMENSION_LABELS[name]) for name in selectors.DIMENSIONS],
            "weak": selectors.weak_spots(user=request.user),
        },
    )


@login_required
@require_GET
def sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = _page(request, selectors.practice_sessions(user=request.user))
    rows = list(page.object_list)
    return render(
        request,
        "practice/sessions.html",
        {
            "page": page,
            "sessions": rows,
            "section": "sessions",
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
        },
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.headers.get("Referer", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_POST
def bookmark_toggle(request: HttpRequest, line_id: int) -> HttpResponse:
    """Add or remove a bookmark. A form post is sent back where it came from; a fetch
    with `Accept: application/json` gets {"line", "bookmarked", "label"}."""
    if not request.user.is_authenticated:
        if _wants_json(request):
            detail = _("Log in to bookmark lines.")
            return JsonResponse({"detail": detail, "code": "not_authenticated"}, status=401)
        return redirect_to_login(_safe_next(request) or reverse("practice:bookmarks"))
    line = selectors.bookmarkable_line(user=request.user, line_id=line_id)
    if line is None:
        raise Http404
    bookmarked = services.bookmark_toggle(user=request.user, line=line)
    if _wants_json(request):
        return JsonResponse({"line": line.pk, "bookmarked": bookmarked})
    return redirect(_safe_next(request) or reverse("practice:bookmarks"))


@login_required
@require_GET
def data_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The learner's data and recordings as a zip (practice.export), as the app's
    GET /api/me/export."""
    return streaming_download(
        request,
        learner_export_chunks(user=request.user),
        content_type="application/zip",
        filename=export_filename(user=request.user),
    )
