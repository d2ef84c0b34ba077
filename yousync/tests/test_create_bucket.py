from io import StringIO

import boto3
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from moto import mock_aws


@pytest.fixture
def s3_storage(settings, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        settings.AWS_STORAGE_BUCKET_NAME = "compose-bucket"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "yousync.storage.MediaStorage",
                "OPTIONS": {"bucket_name": "compose-bucket", "region_name": "us-east-1"},
            },
        }
        yield boto3.client("s3", region_name="us-east-1")


def test_create_bucket_creates_the_bucket_once(s3_storage):
    first, second = StringIO(), StringIO()

    call_command("create_bucket", stdout=first)
    call_command("create_bucket", stdout=second)

    buckets = [b["Name"] for b in s3_storage.list_buckets()["Buckets"]]
    assert buckets == ["compose-bucket"]
    assert first.getvalue() == "Created bucket compose-bucket.\n"
    assert second.getvalue() == "Bucket compose-bucket exists.\n"


def test_create_bucket_refuses_without_s3_storage(settings):
    settings.AWS_STORAGE_BUCKET_NAME = ""

    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME is not set"):
        call_command("create_bucket")
