"""Writes for the catalogue: scene imports, publishing, reference-audio checks."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from scripts import audio, guide
from scripts.models import Actor, AudioStatus, ImportStatus, Line, SceneImport, Script
from scripts.subtitles import Cue, CueError, SubtitleError, decode_subtitles, parse_subtitles
from yousync.storage import files_delete_on_commit

logger = logging.getLogger(__name__)

SUBTITLE_EXTENSIONS = (".srt", ".vtt")
MAX_SUBTITLE_BYTES = 2 * 1024 * 1024


class SceneImportInvalid(ValueError):
    """The upload cannot become a script; `errors` lists every reason, per cue where known."""

    def __init__(self, errors: Sequence[CueError | str]):
        self.errors = [e if isinstance(e, CueError) else CueError(None, e) for e in errors]
        super().__init__("; ".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class SceneDetails:
    title: str
    work_title: str
    kind: str
    language: str
    difficulty: int = 2
    description: str = ""
    import_key: str = ""


def _read_subtitles(subtitles: IO[bytes], name: str) -> str:
    if name and not name.lower().endswith(SUBTITLE_EXTENSIONS):
        raise SceneImportInvalid([_("Subtitles must be an .srt or .vtt file.")])
    data = subtitles.read(MAX_SUBTITLE_BYTES + 1)
    if len(data) > MAX_SUBTITLE_BYTES:
        raise SceneImportInvalid([_("The subtitles file is larger than 2 MB.")])
    try:
        return decode_subtitles(data)
    except SubtitleError as exc:
        raise SceneImportInvalid(exc.errors) from exc


def scene_import_prepare(
    *,
    details: SceneDetails,
    audio_file: "File[Any]",  # File is not subscriptable at run time
    subtitles_file: "File[Any]",
    user: User | AnonymousUser | None = None,
) -> tuple[SceneImport, list[Cue]]:
    """Checks the audio and every cue, then keeps the upload as a draft for the preview.

    Nothing enters the catalogue here; invalid input raises SceneImportInvalid and
    stores nothing.
    """
    max_bytes = settings.SCENE_IMPORT_MAX_UPLOAD_MB * 1024 * 1024
    errors: list[CueError | str] = []
    if audio_file.size is not None and audio_file.size > max_bytes:
        raise SceneImportInvalid(
            [
                _("The audio file is larger than %(mb)s MB.")
                % {"mb": settings.SCENE_IMPORT_MAX_UPLOAD_MB}
            ]
        )
    try:
        info = audio.probe(audio_file)
    except audio.AudioError as exc:
        errors.append(_("Audio: %(reason)s") % {"reason": exc})
        info = None
    text = _read_subtitles(subtitles_file, getattr(subtitles_file, "name", "") or "")
    try:
        cues = parse_subtitles(text, audio_duration=info.duration if info else None)
    except SubtitleError as exc:
        errors.extend(exc.errors)
        cues = []
    if errors:
        raise SceneImportInvalid(errors)
    assert info is not None  # else the audio error above

    scene_import = SceneImport(
        created_by=user if user is not None and user.is_authenticated else None,
        title=details.title.strip(),
        work_title=details.work_title.strip(),
        kind=details.kind,
        language=details.language,
        difficulty=details.difficulty,
        description=details.description.strip(),
        audio_duration=info.duration,
        subtitles_name=(getattr(subtitles_file, "name", "") or "")[:255],
        subtitles=text,
        import_key=details.import_key,
    )
    audio_file.seek(0)
    scene_import.audio.save(_upload_name(audio_file), audio_file, save=False)
    scene_import.save()
    return scene_import, cues


def _upload_name(file: "File[Any]") -> str:
    name = (getattr(file, "name", "") or "scene").rsplit("/", 1)[-1]
    return name[-100:]


def scene_import_cues(*, scene_import: SceneImport) -> list[Cue]:
    return parse_subtitles(scene_import.subtitles, audio_duration=scene_import.audio_duration)


def scene_import_start(*, scene_import: SceneImport) -> SceneImport:
    """Short scenes are imported at once; long ones go to a Dramatiq job."""
    if scene_import.status not in (ImportStatus.DRAFT, ImportStatus.FAILED):
        return scene_import
    if scene_import.audio_duration <= settings.SCENE_IMPORT_INLINE_MAX_SECONDS:
        scene_import_run(scene_import=scene_import)
        scene_import.refresh_from_db()
        return scene_import
    from scripts.tasks import process_scene_import

    _set_progress(
        scene_import, status=ImportStatus.QUEUED, progress=0, stage=_("Waiting for a worker")
    )
    transaction.on_commit(lambda: process_scene_import.send(scene_import.pk))
    return scene_import


def _set_progress(scene_import: SceneImport, **fields: Any) -> None:
    """The one place import progress is written; the admin page polls it."""
    for name, value in fields.items():
        setattr(scene_import, name, value)
    fields["updated_at"] = timezone.now()
    SceneImport.objects.filter(pk=scene_import.pk).update(**fields)


def scene_import_run(
    *, scene_import: SceneImport, translations: Sequence[str] = (), publish: bool = False
) -> Script | None:
    """Cuts one clip per cue from the scene and creates the script, actors and lines.

    Clips are uploaded first (the slow part, with progress); the rows are then written
    in one transaction, so a failure leaves no half-made script behind.
    """
    _set_progress(
        scene_import, status=ImportStatus.RUNNING, progress=1, stage=_("Decoding audio"), error=""
    )
    stored: list[str] = []
    try:
        cues = scene_import_cues(scene_import=scene_import)
        with scene_import.audio.open("rb") as handle:
            samples = audio.decode(handle)
        _set_progress(scene_import, progress=20, stage=_("Cutting clips"))
        pad = settings.SCENE_IMPORT_CLIP_PAD_SECONDS
        clips: list[tuple[str, float]] = []
        for index, cue in enumerate(cues):
            clip = audio.cut(samples, cue.start, cue.end, pad=pad)
            name = default_storage.save(
                f"lines/import-{scene_import.pk}/{cue.number:04d}.flac",
                ContentFile(audio.to_flac(clip)),
            )
            stored.append(name)
            clips.append((name, len(clip) / audio.SAMPLE_RATE))
            progress = 20 + int(75 * (index + 1) / len(cues))
            if progress != scene_import.progress:
                _set_progress(scene_import, progress=progress, stage=_("Cutting clips"))
        with transaction.atomic():
            script = _script_create(scene_import, cues, clips, translations, publish)
            guide.lines_queue_guide_voice(lines=script.lines.select_related("script"))
        _set_progress(
            scene_import,
            status=ImportStatus.COMPLETED,
            progress=100,
            stage=_("Done: %(count)s lines") % {"count": len(cues)},
            script=script,
            finished_at=timezone.now(),
        )
        return script
    except Exception as exc:
        for name in stored:
            default_storage.delete(name)
        if isinstance(exc, (audio.AudioError, SubtitleError)):
            message = str(exc)
        elif isinstance(exc, ValidationError):
            message = "; ".join(exc.messages)
        else:
            logger.exception("scene import %s failed", scene_import.pk)
            message = _("The import failed unexpectedly; see the server log.")
        _set_progress(
            scene_import, status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
        )
        return None


def _script_create(
    scene_import: SceneImport,
    cues: list[Cue],
    clips: list[tuple[str, float]],
    translations: Sequence[str],
    publish: bool,
) -> Script:
    script = Script(
        title=scene_import.title,
        work_title=scene_import.work_title,
        kind=scene_import.kind,
        language=scene_import.language,
        difficulty=scene_import.difficulty,
        description=scene_import.description,
        is_published=publish,
        import_key=scene_import.import_key,
    )
    script.scene_audio.name = scene_import.audio.name
    script.full_clean()
    script.save()
    actors = _actors_for(cue.speaker for cue in cues)
    Line.objects.bulk_create(
        Line(
            script=script,
            actor=actors.get(cue.speaker),
            position=index + 1,
            text=cue.text,
            translation=translations[index] if index < len(translations) else "",
            start_time=cue.start,
            end_time=cue.end,
            reference_audio=name,
            duration=round(duration, 3),
            audio_status=AudioStatus.OK,
        )
        for index, (cue, (name, duration)) in enumerate(zip(cues, clips, strict=True))
    )
    return script


def speaker_display_name(tag: str) -> str:
    """'JOEY' -> 'Joey'; names already in mixed case (or Korean) stay as they are."""
    return tag.title() if tag.isupper() else tag


def _actors_for(speakers: Iterable[str]) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    for tag in dict.fromkeys(s for s in speakers if s):
        name = speaker_display_name(tag)
        actor = Actor.objects.filter(character_name__iexact=name).order_by("pk").first()
        actors[tag] = actor or Actor.objects.create(name=name, character_name=name)
    return actors


def scripts_set_published(*, scripts: QuerySet[Script], published: bool) -> int:
    return scripts.update(is_published=published, updated_at=timezone.now())


def line_check_audio(*, line: Line) -> str:
    """Opens and decodes the stored clip; lines whose clip is missing or broken are hidden."""
    status, duration = AudioStatus.OK, line.duration
    if not line.reference_audio:
        status = AudioStatus.MISSING
    else:
        try:
            with line.reference_audio.open("rb") as handle:
                duration = round(audio.clip_duration(handle), 3)
        except (FileNotFoundError, OSError):
            status = AudioStatus.MISSING
        except audio.AudioError:
            status = AudioStatus.UNREADABLE
        except Exception as exc:  # S3 reports a missing key as botocore's ClientError
            if exc.__class__.__name__ != "ClientError":
                raise
            status = AudioStatus.MISSING
    Line.objects.filter(pk=line.pk).update(
        audio_status=status, duration=duration, updated_at=timezone.now()
    )
    line.audio_status, line.duration = status, duration
    return status


def lines_check_audio(*, lines: QuerySet[Line]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines.only("pk", "reference_audio", "duration"):
        status = line_check_audio(line=line)
        counts[status] = counts.get(status, 0) + 1
    return counts


def line_set_reference_audio(*, line: Line, upload: "File[Any]") -> None:
    """Stores a curator's clip as 16 kHz mono FLAC, like imported clips; saves the line."""
    samples = audio.decode(upload)
    line.reference_audio.save(
        f"line-{line.script_id}-{line.position}.flac",
        ContentFile(audio.to_flac(samples)),
        save=False,
    )
    line.duration = round(len(samples) / audio.SAMPLE_RATE, 3)
    line.audio_status = AudioStatus.OK
    line.save()


def scene_import_files(
    *,
    details: SceneDetails,
    audio_path: str | Path,
    subtitles_path: str | Path,
    translations: Sequence[str] = (),
    publish: bool = False,
    user: User | None = None,
) -> SceneImport:
    """Batch and demo imports: validate, then import at once (no preview, no worker)."""
    with open(audio_path, "rb") as audio_handle, open(subtitles_path, "rb") as subtitle_handle:
        scene_import, _cues = scene_import_prepare(
            details=details,
            audio_file=File(audio_handle, name=str(audio_path)),
            subtitles_file=File(subtitle_handle, name=str(subtitles_path)),
            user=user,
        )
    scene_import_run(scene_import=scene_import, translations=translations, publish=publish)
    scene_import.refresh_from_db()
    return scene_import


def script_files_present(*, script: Script) -> bool:
    """Whether every line's clip is still in storage (a wiped media folder means no)."""
    names = script.lines.values_list("reference_audio", flat=True)
    return bool(names) and all(name and default_storage.exists(name) for name in names)


def script_delete(*, script: Script) -> None:
    """Deletes the script, its lines and their clips (actor's and guide's) from storage."""
    files = script.lines.values_list("reference_audio", "guide_audio", "guide_audio_slow")
    names = [name for row in files for name in row if name]
    script.imports.all().delete()
    script.delete()
    for name in names:
        default_storage.delete(name)


def scene_imports_delete(*, imports: QuerySet[SceneImport]) -> int:
    """Deletes scene imports and, once that commits, the audio of those whose scene no
    script plays (a finished import's audio is its script's scene_audio)."""
    with transaction.atomic():
        names = {name for name in imports.values_list("audio", flat=True) if name}
        played = Script.objects.filter(scene_audio__in=names).values_list("scene_audio", flat=True)
        names -= set(played)
        deleted, _counts = imports.delete()
        files_delete_on_commit(names)
    return deleted
