"""Uploads that go straight from the browser or app to S3 (presigned POST), then a confirm.

The offer reserves a job id and signs (learner, line, job id, object key) into a token;
nothing is written to the database until the confirm call, which checks the object by
its content exactly as a multipart upload is checked.
"""

import uuid
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.files.storage import storages

from accounts.models import User
from practice.models import Attempt
from practice.uploads import RecordingRejected
from scripts.models import Line
from yousync.outages import OUTAGE_ERRORS, log_outage
from yousync.storage import MediaStorage

SALT = "practice.direct-upload"
OFFER_SECONDS = 15 * 60
# Objects wait here until confirmed; practice.retention sweeps those never confirmed.
UPLOADS_PREFIX = "uploads/"


def direct_upload_available() -> bool:
    return isinstance(storages["default"], MediaStorage)


def direct_upload_offer(*, user: User, line: Line) -> dict[str, Any]:
    storage = storages["default"]
    assert isinstance(storage, MediaStorage)  # callers check direct_upload_available()
    job_id = uuid.uuid4()
    key = f"{UPLOADS_PREFIX}{user.id}/{job_id}"
    post = storage.public_client.generate_presigned_post(
        Bucket=storage.bucket_name,
        Key=key,
        Conditions=[
            ["content-length-range", 1, settings.MAX_UPLOAD_BYTES],
            ["starts-with", "$Content-Type", "audio/"],
        ],
        ExpiresIn=OFFER_SECONDS,
    )
    token = signing.dumps(
        {"user": user.id, "line": line.id, "job": str(job_id), "key": key}, salt=SALT
    )
    return {
        "job_id": str(job_id),
        "url": post["url"],
        "fields": post["fields"],
        "upload_token": token,
        "max_bytes": settings.MAX_UPLOAD_BYTES,
        "expires_in": OFFER_SECONDS,
    }


def direct_upload_confirm(*, user: User, job_id: UUID, upload_token: str) -> tuple[Attempt, bool]:
    """Create the attempt from the uploaded object; (attempt, created). Raises
    RecordingRejected when the token or the object is not acceptable."""
    from practice.services import attempt_create
    from scripts.selectors import line_detail

    existing = Attempt.objects.filter(job_id=job_id, user=user).first()
    if existing is not None:
        return existing, False
    try:
        offer = signing.loads(upload_token, salt=SALT, max_age=OFFER_SECONDS + 3600)
    except signing.BadSignature as exc:
        raise RecordingRejected("invalid_upload_token", "This upload link is not valid.") from exc
    if offer["user"] != user.id or offer["job"] != str(job_id):
        raise RecordingRejected("invalid_upload_token", "This upload link is not valid.")
    storage = storages["default"]
    if not storage.exists(offer["key"]):
        raise RecordingRejected("upload_missing", "The recording has not been uploaded yet.")
    line = line_detail(pk=offer["line"])
    with storage.open(offer["key"], "rb") as uploaded:
        attempt, created = attempt_create(user=user, line=line, upload=uploaded, job_id=job_id)
    try:
        storage.delete(offer["key"])
    except OUTAGE_ERRORS as exc:
        # The attempt has its own copy; the hourly sweep removes what is left under uploads/.
        log_outage("storage", exc, job_id=str(job_id), job="delete the direct upload")
    return attempt, created
