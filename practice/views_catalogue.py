"""A script's page: the catalogue's scene with the learner's own state on each line (best
score, bookmark). It lives in practice, which builds on the catalogue, not the reverse."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from practice.selectors import lines_with_learner_state
from scripts import selectors
from scripts.models import Script


@require_GET
def script_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Curators may look at a script before they publish it.
    preview = request.user.is_authenticated and request.user.has_perm("scripts.change_script")
    try:
        script = selectors.script_detail(pk=pk, include_unpublished=preview)
    except Script.DoesNotExist as exc:
        raise Http404 from exc
    # The learner's best score and bookmark per line: one query for the whole scene.
    lines = lines_with_learner_state(user=request.user, lines=script.visible_lines)
    return render(request, "scripts/script_detail.html", {"script": script, "lines": lines})
