"""Building a reel: read the scene and the chosen takes from storage, mix them with
`dubbing.reel`, encode, store. Called by the `build_reel` actor with a claimed reel."""

import time

import numpy as np
from django.db.models.fields.files import FieldFile

from dubbing import reel as mixing
from dubbing import services
from dubbing.models import Reel
from practice.models import Attempt
from scripts.models import Line
from scripts.selectors import visible_lines


def _read(field: FieldFile) -> bytes:
    with field.open("rb") as handle:
        data: bytes = handle.read()
    return data


def _speaker(line: Line) -> str:
    if line.actor is None:
        return ""
    return line.actor.character_name or line.actor.name


def _decoded(field: FieldFile, what: str) -> np.ndarray:
    if not field:
        raise mixing.ReelError(f"{what} is no longer stored.")
    return mixing.decode(_read(field))


def reel_build(*, reel: Reel) -> Reel:
    """Build and store the reel; ReelError for audio that cannot be used, storage and
    database errors propagate (the actor retries those)."""
    started = time.perf_counter()
    session = reel.session
    script = session.script
    chosen = {int(str(take["line_id"])): str(take["job_id"]) for take in reel.takes}
    attempts = {
        str(attempt.job_id): attempt
        for attempt in Attempt.objects.filter(job_id__in=chosen.values(), user_id=session.user_id)
    }
    lines = list(visible_lines().filter(script=script).select_related("actor").order_by("position"))
    scene = _decoded(script.scene_audio, "The scene's audio") if script.scene_audio else None
    reel_lines = []
    for line in lines:
        take = None
        if line.pk in chosen:
            attempt = attempts.get(chosen[line.pk])
            if attempt is None:
                raise mixing.ReelError("A chosen take was deleted. Choose another and try again.")
            take = _decoded(attempt.recording, "A chosen take's recording")
        clip = None
        if scene is None and take is None and line.reference_audio:
            clip = _decoded(line.reference_audio, "A line's clip")
        reel_lines.append(
            mixing.ReelLine(
                start=line.start_time,
                end=line.end_time,
                speaker=_speaker(line),
                text=line.text,
                take=take,
                clip=clip,
            )
        )
    services.reel_report_progress(reel=reel, stage="mix", progress=10)

    def progress(stage: str, percent: int) -> None:
        # The mix's own 0-100 is this build's 10-60.
        services.reel_report_progress(reel=reel, stage=stage, progress=10 + percent // 2)

    mix = mixing.mix_reel(scene=scene, lines=reel_lines, progress=progress)
    services.reel_report_progress(reel=reel, stage="encode", progress=65)
    m4a, opus = mixing.encode_both(mix.samples, mix.rate)
    services.reel_report_progress(reel=reel, stage="store", progress=90)
    return services.reel_finish(
        reel=reel,
        m4a=m4a,
        opus=opus,
        srt=mixing.subtitles_srt(reel_lines),
        vtt=mixing.subtitles_vtt(reel_lines),
        duration=mix.duration,
        build_seconds=time.perf_counter() - started,
    )
