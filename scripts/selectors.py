"""Reads for the catalogue. Learners only ever see published scripts and lines whose
reference audio was checked; each query here has a fixed count, whatever the size."""

from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce

from analysis.engine import song
from scripts.models import Actor, AudioStatus, Kind, Line, Script, SongKey

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
    # A correlated count, not a join: the paginator's COUNT(*) leaves it out, and the
    # page's query counts the lines of its own rows only.
    line_count = (
        visible_lines()
        .filter(script=OuterRef("pk"))
        .order_by()
        .values("script")
        .annotate(count=Count("*"))
        .values("count")
    )
    return scripts.annotate(line_count=Coalesce(Subquery(line_count), 0)).order_by(
        "-created_at", "-id"
    )


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


def catalogue_version() -> str:
    """A value that changes whenever anything the catalogue shows changes, read from the
    rows themselves (one query): each table's newest change and its row count, so an
    edit, an insert and a delete all move it without any write having to say so."""
    parts = []
    for model in (Script, Line, Actor):
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table}), (SELECT MAX(updated_at) FROM {table})")  # noqa: S608 (our table names, no input)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}")
        row = cursor.fetchone()
    return ":".join(str(value) for value in row)


class SongGuide(TypedDict):
    """What singing a song line needs from the actor's clip (the engine's
    ``types.SongAnalysis``, flattened): the key, and the first note to play before the
    count-in. Each is None when the engine could not tell, or has not analysed the clip
    in song mode yet.

    ``key`` is the one to show: the song's key (all its analysed lines together) where
    it has one, else this line's own. A line is short, and its notes alone often fit
    two keys or the wrong one ("G F E D" reads as D minor in a C-major song)."""

    key: str | None  # "A minor"
    key_ko: str | None  # "가단조"
    song_key: str | None  # the whole song's
    song_key_ko: str | None
    line_key: str | None  # this line's notes alone
    line_key_ko: str | None
    start_note: str | None  # "E4"
    start_midi: int | None  # 64
    start_hz: float | None  # 329.6, the actor's own pitch on it


def song_analysis() -> KeyTransform:
    """The song part of a line's stored reference analysis, for querysets that leave the
    whole analysis out (it holds every 10 ms of the clip): annotate ``song_analysis``."""
    return KeyTransform("song", "reference_analysis")


def line_song(line: Line) -> SongGuide | None:
    """The key and starting note of a song line; None for speech lines. Reads the stored
    reference analysis, or the ``song_analysis`` annotation where that was left out,
    and the script's ``song_key``; no query either way (the line's script must be
    loaded, as every caller has it)."""
    if line.script.kind != Kind.SONG:
        return None
    data: dict[str, Any] | None
    if "reference_analysis" in line.get_deferred_fields():
        data = getattr(line, "song_analysis", None)
    else:
        data = (line.reference_analysis or {}).get("song")
    own: dict[str, Any] = (data or {}).get("key") or {}
    song_key = line.script.song_key
    whole: dict[str, Any] = dict(song_key["key"] or {}) if song_key else {}
    start = (data or {}).get("start_note") or {}
    shown = whole or own
    return {
        "key": shown.get("name"),
        "key_ko": shown.get("name_ko"),
        "song_key": whole.get("name"),
        "song_key_ko": whole.get("name_ko"),
        "line_key": own.get("name"),
        "line_key_ko": own.get("name_ko"),
        "start_note": start.get("name"),
        "start_midi": start.get("midi"),
        "start_hz": start.get("hz"),
    }


def script_song_key(*, script: Script) -> SongKey | None:
    """The key of a song as a whole (one query): how long each pitch class is held,
    added up over its visible lines' stored reference analyses, given to the engine's
    key estimate. None for speech scripts and for songs with no line analysed in song
    mode yet. Stored as ``Script.song_key`` by ``analysis.services``."""
    if script.kind != Kind.SONG:
        return None
    stored = (
        visible_lines()
        .filter(script=script)
        .annotate(pitch_classes=KeyTransform("pitch_classes", song_analysis()))
        .values_list("pitch_classes", flat=True)
    )
    histograms = [row for row in stored if isinstance(row, list) and len(row) == 12]
    if not histograms:
        return None
    key, reason = song.estimate_key(np.sum(histograms, axis=0))
    return {"key": key, "key_reason": reason, "lines": len(histograms)}
