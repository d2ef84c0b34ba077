"""A learner's data as a zip: JSON files and the recordings still kept, streamed.

The archive is written to the response as it is made (zipfile on a stream that cannot
seek), recordings a chunk at a time and rows from database iterators, so memory stays
bounded whatever the learner's history. Layout: README.txt, account.json,
attempts.json (one object per attempt, each naming its recording in the archive),
sessions.json, bookmarks.json, statistics.json, recordings/<job id>.<ext>.
"""

import json
import logging
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from botocore.exceptions import ClientError
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.models import User
from practice.models import (
    SCORE_FIELDS,
    Attempt,
    Bookmark,
    LearnerDay,
    LearnerLineStats,
    LearnerStats,
    PracticeSession,
)
from yousync.storage import file_chunks

logger = logging.getLogger(__name__)

README = """Your YouSync data, exported {when}.

account.json     your profile, e-mail addresses and linked sign-in accounts
attempts.json    every take: the line, its status, scores (0-100) and the feedback
                 word by word; "recording" names the audio file in recordings/, or is
                 null when it was deleted after the retention period
sessions.json    your practice sittings
bookmarks.json   the lines you bookmarked
statistics.json  your totals, days and per-line records
recordings/      the audio of your takes
"""

ATTEMPT_FIELDS = (
    "job_id",
    "line_id",
    "line__text",
    "line__script_id",
    "line__script__title",
    "status",
    "error_code",
    "error_message",
    *SCORE_FIELDS,
    "detailed_feedback",
    "duration",
    "content_type",
    "size_bytes",
    "recording",
    "recording_expired_at",
    "created_at",
    "finished_at",
)


def export_filename(*, user: User) -> str:
    return f"yousync-data-{user.pk}-{timezone.localdate():%Y%m%d}.zip"


class _Sink:
    """What zipfile writes to: collects bytes until the generator hands them on. It has
    no tell() or seek(), so zipfile writes a stream (sizes after each file's data)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _json(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def _entry(name: str, *, compress: bool = True) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    return info


def _recording_name(row: dict[str, Any]) -> str | None:
    if not row["recording"]:
        return None
    return f"recordings/{row['job_id']}{PurePosixPath(row['recording']).suffix}"


def _attempt_rows(user: User) -> Iterator[dict[str, Any]]:
    rows = Attempt.objects.filter(user=user).order_by("created_at").values(*ATTEMPT_FIELDS)
    for row in rows.iterator(chunk_size=200):
        stored = row.pop("recording")
        row["recording"] = _recording_name({"recording": stored, "job_id": row["job_id"]})
        row["line_text"] = row.pop("line__text")
        row["script_id"] = row.pop("line__script_id")
        row["script_title"] = row.pop("line__script__title")
        yield row


def _account(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "native_language": user.native_language,
        "ui_language": user.ui_language,
        "daily_goal_minutes": user.daily_goal_minutes,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "has_password": user.has_usable_password(),
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        "linked_accounts": list(
            SocialAccount.objects.filter(user=user).values("provider", "uid", "date_joined")
        ),
    }


def _statistics(user: User) -> dict[str, Any]:
    totals = LearnerStats.objects.filter(user=user).values().first()
    return {
        "totals": {k: v for k, v in (totals or {}).items() if k != "user_id"} or None,
        "days": list(
            LearnerDay.objects.filter(user=user)
            .order_by("day")
            .values("day", "attempt_count", "seconds", "scored_count", "score_sums", "score_counts")
        ),
        "lines": list(
            LearnerLineStats.objects.filter(user=user)
            .order_by("line_id")
            .values(
                "line_id",
                "line__text",
                "attempt_count",
                "scored_count",
                "best_overall",
                "first_overall",
                "last_overall",
                "best_scores",
                "last_scores",
                "last_attempt_at",
                "last_scored_at",
            )
        ),
    }


def _json_array(
    archive: zipfile.ZipFile, sink: _Sink, name: str, rows: Iterable[Any]
) -> Iterator[bytes]:
    with archive.open(_entry(name), "w") as entry:
        entry.write(b"[")
        for index, row in enumerate(rows):
            entry.write((b",\n" if index else b"\n") + _json(row))
            yield sink.take()
        entry.write(b"\n]\n")
    yield sink.take()


def learner_export_chunks(*, user: User) -> Iterator[bytes]:
    """The zip's bytes, as they are made."""
    storage = storages["default"]
    sink = _Sink()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr(_entry("README.txt"), README.format(when=timezone.localtime().isoformat()))
        archive.writestr(_entry("account.json"), _json(_account(user)))
        yield sink.take()
        yield from _json_array(archive, sink, "attempts.json", _attempt_rows(user))
        sessions = (
            PracticeSession.objects.filter(user=user)
            .order_by("started_at")
            .values("id", "script_id", "script__title", "started_at", "last_activity_at")
        )
        yield from _json_array(archive, sink, "sessions.json", sessions.iterator(chunk_size=500))
        bookmarks = (
            Bookmark.objects.filter(user=user)
            .order_by("created_at")
            .values("line_id", "line__text", "line__script__title", "created_at")
        )
        yield from _json_array(archive, sink, "bookmarks.json", bookmarks.iterator(chunk_size=500))
        archive.writestr(_entry("statistics.json"), _json(_statistics(user)))
        yield sink.take()
        recordings = (
            Attempt.objects.filter(user=user)
            .exclude(recording="")
            .order_by("created_at")
            .values_list("job_id", "recording")
        )
        for job_id, name in recordings.iterator(chunk_size=500):
            chunks = file_chunks(storage, name)
            try:
                first = next(chunks, b"")
            except (OSError, ClientError):  # gone from storage: the rest still comes
                logger.warning("recording missing from storage: %s", name)
                continue
            entry_name = _recording_name({"recording": name, "job_id": job_id}) or name
            with archive.open(_entry(entry_name, compress=False), "w") as entry:
                entry.write(first)
                yield sink.take()
                for chunk in chunks:
                    entry.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
