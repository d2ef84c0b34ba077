"""Retention, account deletion and export against the S3 API (moto) and PostgreSQL, with
real commits: files leave the bucket only when the delete commits."""

import io
import json
import uuid
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import PASSWORD
from accounts.tests.factories import UserFactory as AccountFactory
from practice import retention
from practice.models import Attempt
from practice.tests.factories import AttemptFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def keys(s3_bucket, prefix: str) -> set[str]:
    listed = s3_bucket.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


@pytest.fixture
def prefix():
    return f"it-{uuid.uuid4().hex[:12]}/"


def stored(prefix: str, name: str, data: bytes = b"take") -> str:
    return default_storage.save(f"{prefix}{name}", ContentFile(data))


def test_account_deletion_empties_the_bucket_of_its_recordings_after_the_commit(
    client, s3_bucket, prefix
):
    learner = AccountFactory(verified=True)
    other = AccountFactory()
    for n in range(3):
        AttemptFactory(user=learner, recording=stored(prefix, f"mine-{n}.webm"))
    theirs = AttemptFactory(user=other, recording=stored(prefix, "theirs.webm"))
    access = str(RefreshToken.for_user(learner).access_token)

    # A delete that rolls back takes nothing from the bucket.
    with pytest.raises(RuntimeError), transaction.atomic():
        User.objects.get(pk=learner.pk).delete()
        raise RuntimeError("rolled back")
    assert len(keys(s3_bucket, prefix)) == 4

    export = client.get("/api/me/export", HTTP_AUTHORIZATION=f"Bearer {access}")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
    recordings = [n for n in archive.namelist() if n.startswith("recordings/")]
    assert len(recordings) == 3 and {archive.read(n) for n in recordings} == {b"take"}

    response = client.delete(
        "/api/me",
        json.dumps({"password": PASSWORD}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )

    assert response.status_code == 204
    assert keys(s3_bucket, prefix) == {theirs.recording.name}
    assert not Attempt.objects.filter(user_id=learner.pk).exists()
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401
    default_storage.delete(theirs.recording.name)


def test_retention_sweep_and_orphans_on_s3(s3_bucket, prefix):
    now = timezone.now()
    old = AttemptFactory(recording=stored(prefix, "old.webm"), created_at=now - timedelta(days=200))
    kept = AttemptFactory(recording=stored(prefix, "kept.webm"))
    lost = stored(prefix, "lost.webm")
    upload_key = f"uploads/{prefix}{uuid.uuid4()}"
    s3_bucket.put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=upload_key, Body=b"x")

    assert retention.recordings_expire(now=now) == 1
    # Unconfirmed uploads are a day old only in the future, as far as moto's clock goes.
    assert retention.direct_uploads_sweep(now=now) == 0
    assert retention.direct_uploads_sweep(now=now + timedelta(days=1, minutes=1)) >= 1
    out = io.StringIO()
    call_command(
        "orphaned_files", "--prefix", prefix, "--min-age-hours", "0", "--delete", stdout=out
    )

    old.refresh_from_db()
    assert old.recording_expired and old.overall is not None
    assert f"deleted\t4\t{lost}" in out.getvalue()
    assert keys(s3_bucket, prefix) == {kept.recording.name}
    assert not keys(s3_bucket, upload_key)
    default_storage.delete(kept.recording.name)
