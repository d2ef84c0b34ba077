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

    assert type(storages["default"]).__name__ == "MediaStorage"
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


def test_s3_presigned_urls_are_signed_for_the_public_endpoint():
    from yousync.storage import MediaStorage

    storage = MediaStorage(
        bucket_name="media",
        endpoint_url="http://minio:9000",
        public_endpoint_url="http://localhost:9000",
        access_key="key",
        secret_key="secret",
        region_name="us-east-1",
    )

    url = storage.url("lines/take one.flac")

    assert url.startswith("http://localhost:9000/media/lines/take%20one.flac?")
    assert "Signature=" in url
