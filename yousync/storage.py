"""S3 storage whose presigned URLs can name a different, public endpoint; and what the
retention and orphan jobs need from any storage: listing with ages, reading in chunks,
deleting after a commit.

Inside a compose network the app reaches MinIO as http://minio:9000, but a browser
must be sent to an address it can reach. SigV4 signs the host, so the URL has to be
signed for the public endpoint rather than rewritten afterwards.
"""

import logging
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import boto3
from django.core.files.storage import Storage, storages
from django.db import transaction
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

logger = logging.getLogger(__name__)


class MediaStorage(S3Storage):
    def __init__(self, **settings):
        self.public_endpoint_url = settings.pop("public_endpoint_url", None)
        super().__init__(**settings)

    @cached_property
    def public_client(self):
        """A client that signs for the endpoint browsers and apps use."""
        if not self.public_endpoint_url:
            return self.connection.meta.client
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.public_endpoint_url,
            region_name=self.region_name,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=self.client_config,
        )

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.public_endpoint_url:
            return super().url(name, parameters, expire, http_method)
        params = dict(parameters or {})
        params.update(Bucket=self.bucket_name, Key=self._normalize_name(clean_name(name)))
        return self.public_client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=expire or self.querystring_expire,
            HttpMethod=http_method,
        )


class StoredFile(NamedTuple):
    name: str  # as a FileField stores it
    size: int
    modified: datetime


def stored_files(storage: Storage, prefix: str = "") -> Iterator[StoredFile]:
    """Every file under `prefix`, one listing call per 1,000 objects on S3 (listdir
    would need a HEAD per file for its age)."""
    if isinstance(storage, S3Storage):
        location = f"{storage.location}/" if storage.location else ""
        paginator = storage.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=location + prefix):
            for item in page.get("Contents", []):
                yield StoredFile(item["Key"][len(location) :], item["Size"], item["LastModified"])
        return
    root = Path(storage.path(""))
    for folder, _dirs, files in os.walk(root / prefix):
        for file_name in files:
            path = Path(folder) / file_name
            stat = path.stat()
            modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            yield StoredFile(path.relative_to(root).as_posix(), stat.st_size, modified)


def file_chunks(storage: Storage, name: str, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
    """A stored file's bytes, a chunk at a time: S3Storage.open would download the whole
    object into memory first."""
    if isinstance(storage, S3Storage):
        key = storage._normalize_name(clean_name(name))
        body = storage.connection.meta.client.get_object(Bucket=storage.bucket_name, Key=key)
        yield from body["Body"].iter_chunks(chunk_size)
        return
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(chunk_size):
            yield chunk


def files_delete_on_commit(names: Iterable[str], storage: Storage | None = None) -> None:
    """Delete stored files once the current transaction commits (at once outside one):
    a rolled-back delete keeps its files. A failure is logged, not raised; the
    orphaned-files command finds what was left."""
    names = sorted({name for name in names if name})
    if not names:
        return
    target = storage or storages["default"]

    def delete() -> None:
        for name in names:
            try:
                target.delete(name)
            except Exception:
                logger.exception("could not delete stored file %s", name)

    transaction.on_commit(delete)
