"""The guide voice: a synthetic reading of each line at normal and slow speed, for lines
where the actor is hard to follow (docs/guide-voice.md).

Made once per line by a worker job (scripts.tasks.make_guide_voice), kept in storage as
16 kHz FLAC like the actors' clips, and made again when the line's text (or the voice)
changes. Learners get it only while it is current: a line whose text changed is never
heard with the old reading. Curators switch it off per script (Script.guide_voice);
GUIDE_VOICE=false switches it off everywhere.
"""

import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, TypedDict

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from scripts import audio, tasks, tts
from scripts.models import GuideData, GuideWord, Language, Line, Script

logger = logging.getLogger(__name__)

# Bump when stored guide audio should be made again (a new way of making it).
GUIDE_FORMAT = 1
# Languages with a packaged voice whose licence allows our use (docs/guide-voice.md:
# no Korean or Japanese voice qualifies).
VOICES: dict[str, str] = {Language.ENGLISH: f"festival:{tts.VOICE}"}
# Peak below which a synthesised clip counts as silent (a failed synthesis): speech from
# the HTS voice peaks around 0.3-0.6 of full scale.
SILENT_PEAK = 0.01


class GuideBody(TypedDict):
    """The guide as pages and the API show it (`guide` of a token)."""

    synthetic: bool  # always true: say so on the page
    voice: str
    voice_label: str
    url: str
    slow_url: str
    slow_factor: float  # how many times longer the slow clip is, roughly
    words: list[GuideWord]


# --- Reads --------------------------------------------------------------------------------


def guide_voice_wanted(line: Line) -> bool:
    return bool(settings.GUIDE_VOICE and line.script.guide_voice and line.script.language in VOICES)


def guide_is_current(line: Line) -> bool:
    """Whether the stored guide audio was made from the line's text by today's voice."""
    data = line.guide
    return bool(
        data
        and line.guide_audio
        and line.guide_audio_slow
        and data.get("format") == GUIDE_FORMAT
        and data.get("voice") == VOICES.get(line.script.language)
        and data.get("text") == line.text
    )


def _relative_url(file: FieldFile) -> str | None:
    return file.url if file else None


def guide_body(
    line: Line, *, url: Callable[[FieldFile], str | None] = _relative_url
) -> GuideBody | None:
    """The line's guide for a page or the API, or None when it is off or not made yet.
    No query when the line's script is loaded (select_related or prefetched)."""
    if not guide_voice_wanted(line) or not guide_is_current(line):
        return None
    assert line.guide is not None  # else not current
    normal_url, slow_url = url(line.guide_audio), url(line.guide_audio_slow)
    if normal_url is None or slow_url is None:
        return None
    return {
        "synthetic": True,
        "voice": line.guide["voice"],
        "voice_label": tts.VOICE_LABEL,
        "url": normal_url,
        "slow_url": slow_url,
        "slow_factor": round(1 / tts.SLOW_RATE, 2),
        "words": line.guide["words"],
    }


def lines_without_guide_voice() -> Iterator[Line]:
    """Lines that want a guide and have none that is current (for the catch-up sweep)."""
    if not settings.GUIDE_VOICE:
        return
    lines = (
        Line.objects.filter(script__guide_voice=True, script__language__in=list(VOICES))
        .select_related("script")
        .only("pk", "text", "guide", "guide_audio", "guide_audio_slow", "script")
    )
    for line in lines.iterator(chunk_size=500):
        if not guide_is_current(line):
            yield line


# --- Writes -------------------------------------------------------------------------------


def lines_queue_guide_voice(*, lines: Iterable[Line]) -> int:
    """Sends a guide job, once the transaction commits, for each line that wants a guide
    and has no current one. Returns how many were queued."""
    ids = [line.pk for line in lines if guide_voice_wanted(line) and not guide_is_current(line)]
    for line_id in ids:
        transaction.on_commit(partial(tasks.make_guide_voice.send, line_id))
    return len(ids)


def scripts_queue_guide_voice(*, scripts: QuerySet[Script]) -> int:
    lines = Line.objects.filter(script__in=scripts).select_related("script")
    return lines_queue_guide_voice(lines=lines)


def line_make_guide_voice(*, line: Line, force: bool = False) -> bool:
    """Makes and stores the line's guide audio unless it is current (or not wanted).
    A synthesis failure is logged and leaves the line as it was; returns whether new
    audio was stored."""
    return lines_make_guide_voice(lines=[line], force=force) == 1


def lines_make_guide_voice(*, lines: Sequence[Line], force: bool = False) -> int:
    """Synthesises the lines that need it in one Festival process; returns how many
    lines got new audio. Storage errors propagate (the job retries them)."""
    todo = [
        line for line in lines if guide_voice_wanted(line) and (force or not guide_is_current(line))
    ]
    speakable = []
    for line in todo:
        if tts.can_speak(line.text):
            speakable.append(line)
        else:
            logger.error("guide voice: line %s has nothing an English voice can say", line.pk)
    if not speakable:
        return 0
    try:
        speeches = tts.speak([line.text for line in speakable])
    except tts.TTSError as exc:
        logger.error(
            "guide voice failed for lines %s: %s",
            ", ".join(str(line.pk) for line in speakable),
            exc,
        )
        return 0
    made = 0
    for line, speech in zip(speakable, speeches, strict=True):
        try:
            made += _store(line, speech)
        except (audio.AudioError, tts.TTSError) as exc:
            logger.error("guide voice for line %s is unusable: %s", line.pk, exc)
    return made


def _flac(wav: bytes) -> tuple[bytes, float]:
    samples = audio.decode(io.BytesIO(wav))
    if not len(samples) or float(np.max(np.abs(samples))) < SILENT_PEAK:
        raise tts.TTSError("the synthesised audio is silent")
    return audio.to_flac(samples), len(samples) / audio.SAMPLE_RATE


def _store(line: Line, speech: tts.Speech) -> int:
    """Saves both clips, then points the line at them only if its text is still the one
    spoken (an edit during synthesis queues its own job); the replaced files go."""
    text = line.text
    normal, normal_seconds = _flac(speech.normal_wav)
    slow, slow_seconds = _flac(speech.slow_wav)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    names = [
        default_storage.save(f"guide/line-{line.pk}-{digest}{suffix}.flac", ContentFile(data))
        for suffix, data in (("", normal), ("-slow", slow))
    ]
    data: GuideData = {
        "format": GUIDE_FORMAT,
        "voice": VOICES[line.script.language],
        "text": text,
        "words": [
            {
                "text": word.text,
                "start": word.start,
                "end": min(word.end, normal_seconds),
                "slow_start": word.slow_start,
                "slow_end": min(word.slow_end, slow_seconds),
            }
            for word in speech.words
        ],
    }
    old = [name for name in (line.guide_audio.name, line.guide_audio_slow.name) if name]
    fields: dict[str, Any] = {
        "guide_audio": names[0],
        "guide_audio_slow": names[1],
        "guide": data,
        "updated_at": timezone.now(),  # the catalogue's version moves: caches see it
    }
    if not Line.objects.filter(pk=line.pk, text=text).update(**fields):
        for name in names:
            default_storage.delete(name)
        return 0
    for name in old:
        if name not in names:
            default_storage.delete(name)
    for field, value in fields.items():
        setattr(line, field, value)
    return 1
