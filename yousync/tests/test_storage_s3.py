import urllib.request
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages


@pytest.mark.integration
def test_s3_storage_saves_and_reads_back_through_the_s3_api(s3_bucket, settings):
    name = f"tests/{uuid.uuid4().hex}.bin"
    payload = bytes(range(256)) * 40

    saved_name = default_storage.save(name, ContentFile(payload))

    assert type(storages["default"]).__name__ == "S3Storage"
    with default_storage.open(saved_name, "rb") as handle:
        assert handle.read() == payload
    listed = s3_bucket.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix="tests/")
    assert saved_name in [obj["Key"] for obj in listed.get("Contents", [])]
    # The presigned URL works for a client that has no credentials.
    url = default_storage.url(saved_name)
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == payload
    default_storage.delete(saved_name)
    assert not default_storage.exists(saved_name)
