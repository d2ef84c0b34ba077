"""Django-side glue for the engine: the cached reference analysis of a line."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from analysis import engine
from analysis.engine.recording import REFERENCE_FORMAT
from scripts.models import Kind, Line, Script, SongKey
from scripts.selectors import script_song_key


def reference_analysis_is_current(line: Line) -> bool:
    cached = line.reference_analysis or {}
    return (
        cached.get("format") == REFERENCE_FORMAT
        and cached.get("text") == line.text
        and cached.get("kind") == line.script.kind
        and cached.get("language") == line.script.language
        # Song lines analysed before song mode lack their key and starting note.
        and (line.script.kind != Kind.SONG or "song" in cached)
    )


def reference_analysis_for(line: Line) -> dict[str, Any]:
    """The line's reference analysis, computed and stored once when missing or stale."""
    if line.reference_analysis is not None and reference_analysis_is_current(line):
        return line.reference_analysis
    with line.reference_audio.open("rb") as handle:
        data = engine.analyse_reference(
            handle.read(), line.text, line.script.kind, language=line.script.language
        )
    # updated_at moves the catalogue's version: the API's tokens show the song's key and
    # starting note from this analysis, and their cached bodies must not outlive it.
    Line.objects.filter(id=line.id).update(reference_analysis=data, updated_at=timezone.now())
    line.reference_analysis = data
    if line.script.kind == Kind.SONG:
        script_song_key_refresh(script=line.script)
    return data


def script_song_key_refresh(*, script: Script) -> SongKey | None:
    """Stores the song's key from its lines' stored analyses (``Script.song_key``).

    Under a lock on the script row: two workers that each store a line of the same song
    write one after the other, and the later one reads both lines. The row is written
    only when the key changed, since each write moves the catalogue's version."""
    with transaction.atomic():
        current = Script.objects.select_for_update().values_list("song_key", flat=True)
        stored = current.get(pk=script.pk)
        song_key = script_song_key(script=script)
        if song_key != stored:
            Script.objects.filter(pk=script.pk).update(song_key=song_key, updated_at=timezone.now())
    script.song_key = song_key
    return song_key


def reference_analyses_refresh(*, lines: QuerySet[Line]) -> tuple[int, int]:
    """Analyses each line's reference clip that has no current analysis (a new line, a
    changed text, an older engine format, a song line from before song mode), and
    refreshes the key of each song the lines belong to (songs analysed before the song
    key was stored have none). Returns (analysed, already current)."""
    analysed = current = 0
    songs: dict[int, Script] = {}
    for line in lines.select_related("script").order_by("pk"):
        if line.script.kind == Kind.SONG:
            songs.setdefault(line.script_id, line.script)
        if line.reference_analysis is not None and reference_analysis_is_current(line):
            current += 1
            continue
        reference_analysis_for(line)
        analysed += 1
    for script in songs.values():
        script_song_key_refresh(script=script)
    return analysed, current
