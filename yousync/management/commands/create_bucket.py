"""Create the S3 bucket (AWS_STORAGE_BUCKET_NAME) when it does not exist yet.

compose.yaml's one-shot `migrate` service runs it before `migrate`, with the app's own
credentials and client settings, so no S3 client image (MinIO's `mc`) is needed and any
S3-compatible server will do. Running it again changes nothing.
"""

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from storages.backends.s3 import S3Storage


class Command(BaseCommand):
    help = "Create the S3 bucket named by AWS_STORAGE_BUCKET_NAME if it is missing."

    def handle(self, *args, **options):
        if not isinstance(default_storage, S3Storage):
            raise CommandError("AWS_STORAGE_BUCKET_NAME is not set: files are stored locally.")
        client = default_storage.connection.meta.client
        bucket = settings.AWS_STORAGE_BUCKET_NAME
        try:
            client.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise CommandError(f"Cannot reach bucket {bucket!r}: {exc}") from exc
            client.create_bucket(Bucket=bucket)
            self.stdout.write(f"Created bucket {bucket}.")
            return
        self.stdout.write(f"Bucket {bucket} exists.")
