"""Files in storage (the S3 bucket or MEDIA_ROOT) that no row's FileField names.

Rows take their files with them when deleted (django-cleanup, after the commit), but a
delete that failed half-way, a crash between storing a file and committing its row, or a
direct upload never confirmed leaves files behind. This lists them; `--delete` removes
them. Files younger than `--min-age-hours` are left alone: their row may not be
committed yet.
"""

from datetime import timedelta

from django.apps import apps
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandParser
from django.db import models
from django.utils import timezone

from yousync.storage import stored_files


def referenced_names() -> set[str]:
    """Every file name any FileField (or ImageField) of any model holds."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and field.concrete:
                rows = model._base_manager.exclude(**{field.attname: ""}).exclude(
                    **{f"{field.attname}__isnull": True}
                )
                names.update(rows.values_list(field.attname, flat=True).iterator(2000))
    return names


class Command(BaseCommand):
    help = "Report (and with --delete remove) stored files that no row refers to."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="remove the orphaned files")
        parser.add_argument(
            "--min-age-hours",
            type=float,
            default=24.0,
            help="leave files younger than this alone (default 24)",
        )
        parser.add_argument("--prefix", default="", help="only look under this folder")

    def handle(self, *args, delete: bool, min_age_hours: float, prefix: str, **options) -> None:
        storage = storages["default"]
        cutoff = timezone.now() - timedelta(hours=min_age_hours)
        referenced = referenced_names()
        count = size = 0
        for stored in stored_files(storage, prefix):
            if stored.name in referenced or stored.modified >= cutoff:
                continue
            count += 1
            size += stored.size
            if delete:
                storage.delete(stored.name)
            self.stdout.write(
                f"{'deleted' if delete else 'orphaned'}\t{stored.size}\t{stored.name}"
            )
        verb = "Deleted" if delete else "Found"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {count} orphaned files ({size / 1e6:.1f} MB).")
        )
