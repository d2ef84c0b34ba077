from typing import TYPE_CHECKING

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from scripts import selectors
from scripts.forms import CatalogueFilterForm
from scripts.models import Kind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

KIND_HEADINGS: dict[str | None, "StrOrPromise"] = {
    Kind.MOVIE: _("Movies"),
    Kind.DRAMA: _("Dramas"),
    Kind.ANIMATION: _("Animations"),
    Kind.SONG: _("Songs"),
}


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    scripts = selectors.script_list(**filters)
    page = Paginator(scripts, settings.CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "scripts/catalogue.html",
        {
            "form": form,
            "page": page,
            "scripts": page.object_list,
            "query": query.urlencode(),
            "filtered": any(filters.values()),
            "heading": KIND_HEADINGS.get(filters.get("kind")),
        },
    )
