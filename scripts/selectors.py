"""Reads for the catalogue. Learners only ever see published scripts and lines whose
reference audio was checked; each query here has a fixed count, whatever the size."""

from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from scripts.models import AudioStatus, Line, Script

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class VisibleLines(TypedDict):
    visible_lines: list[Line]


def visible_lines() -> QuerySet[Line]:
    return Line.objects.filter(audio_status=AudioStatus.OK).exclude(reference_audio="")


def script_list(
    *,
    kind: str = "",
    language: str = "",
    difficulty: int | None = None,
    search: str = "",
) -> QuerySet[Script]:
    scripts = Script.objects.filter(is_published=True)
    if kind:
        scripts = scripts.filter(kind=kind)
    if language:
        scripts = scripts.filter(language=language)
    if difficulty:
        scripts = scripts.filter(difficulty=difficulty)
    search = search.strip()
    if search:
        matching_lines = (
            visible_lines()
            .filter(script=OuterRef("pk"))
            .filter(
                Q(text__icontains=search)
                | Q(translation__icontains=search)
                | Q(actor__name__icontains=search)
                | Q(actor__character_name__icontains=search)
            )
        )
        scripts = scripts.filter(
            Q(title__icontains=search)
            | Q(work_title__icontains=search)
            | Q(description__icontains=search)
            | Exists(matching_lines)
        )
    return scripts.annotate(
        line_count=Count(
            "lines",
            filter=Q(lines__audio_status=AudioStatus.OK) & ~Q(lines__reference_audio=""),
        )
    ).order_by("-created_at", "-id")


def script_detail(
    *, pk: int, include_unpublished: bool = False
) -> "WithAnnotations[Script, VisibleLines]":
    """The script with its visible lines (and their actors) prefetched; raises DoesNotExist."""
    scripts = (
        Script.objects.all() if include_unpublished else Script.objects.filter(is_published=True)
    )
    lines = visible_lines().select_related("actor").order_by("position")
    return scripts.prefetch_related(Prefetch("lines", queryset=lines, to_attr="visible_lines")).get(
        pk=pk
    )


def line_detail(*, pk: int) -> Line:
    """One visible line of a published script; raises Line.DoesNotExist."""
    return (
        visible_lines()
        .filter(script__is_published=True)
        .select_related("script", "actor")
        .get(pk=pk)
    )


def catalogue_facets() -> dict[str, list[str]]:
    """Which kinds and languages the published catalogue actually has (one query)."""
    rows = Script.objects.filter(is_published=True).values_list("kind", "language").distinct()
    kinds = sorted({kind for kind, _ in rows})
    languages = sorted({language for _, language in rows})
    return {"kinds": kinds, "languages": languages}
