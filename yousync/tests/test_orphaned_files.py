"""manage.py orphaned_files: stored files no row names, reported and (with --delete)
removed; files a row names, and young ones, are left alone."""

import io
import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from practice.tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db


def stored(name: str, *, hours_old: float = 48) -> str:
    name = default_storage.save(name, ContentFile(b"0123456789"))
    then = (timezone.now() - timedelta(hours=hours_old)).timestamp()
    os.utime(default_storage.path(name), (then, then))
    return name


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("orphaned_files", "--prefix", "orphan-test/", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def files():
    attempt = AttemptFactory(recording=stored("orphan-test/attempts/kept.webm"))
    names = {
        "referenced": attempt.recording.name,
        "orphan": stored("orphan-test/attempts/lost.webm"),
        "young": stored("orphan-test/attempts/just-stored.webm", hours_old=1),
    }
    yield names
    for name in names.values():
        default_storage.delete(name)


def test_orphaned_files_reports_unreferenced_old_files_and_deletes_nothing(files):
    report = run()

    assert f"orphaned\t10\t{files['orphan']}" in report
    assert files["referenced"] not in report and files["young"] not in report
    assert "Found 1 orphaned files" in report
    assert all(default_storage.exists(name) for name in files.values())


def test_orphaned_files_with_delete_removes_only_the_orphans(files):
    report = run("--delete")

    assert f"deleted\t10\t{files['orphan']}" in report
    assert not default_storage.exists(files["orphan"])
    assert default_storage.exists(files["referenced"]) and default_storage.exists(files["young"])
    assert "Found 0 orphaned files" in run()


def test_orphaned_files_min_age_zero_also_takes_young_files(files):
    run("--delete", "--min-age-hours", "0")

    assert not default_storage.exists(files["young"])
    assert default_storage.exists(files["referenced"])
