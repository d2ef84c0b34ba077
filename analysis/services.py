"""Django-side glue for the engine: the cached reference analysis of a line."""

from typing import Any

from analysis import engine
from analysis.engine.recording import REFERENCE_FORMAT
from scripts.models import Line


def reference_analysis_is_current(line: Line) -> bool:
    cached = line.reference_analysis or {}
    return (
        cached.get("format") == REFERENCE_FORMAT
        and cached.get("text") == line.text
        and cached.get("kind") == line.script.kind
        and cached.get("language") == line.script.language
    )


def reference_analysis_for(line: Line) -> dict[str, Any]:
    """The line's reference analysis, computed and stored once when missing or stale."""
    if line.reference_analysis is not None and reference_analysis_is_current(line):
        return line.reference_analysis
    with line.reference_audio.open("rb") as handle:
        data = engine.analyse_reference(
            handle.read(), line.text, line.script.kind, language=line.script.language
        )
    Line.objects.filter(id=line.id).update(reference_analysis=data)
    line.reference_analysis = data
    return data
