"""The catalogue on the real parts: PostgreSQL constraints, clips and URLs on S3 (moto)."""

import urllib.request

import pytest

from scripts.models import Script
from scripts.tests import test_models
from scripts.tests.factories import tone
from scripts.tests.test_import import assert_imported, import_scene

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_postgresql_enforces_the_line_and_script_constraints():
    test_models.test_line_start_must_precede_end()
    test_models.test_line_start_cannot_be_negative()
    test_models.test_line_position_is_unique_within_a_script()
    test_models.test_line_text_cannot_be_empty()
    test_models.test_script_difficulty_is_between_one_and_five()
    test_models.test_script_import_key_is_unique_when_set()


def test_import_on_s3_stores_clips_in_the_bucket_and_the_api_presigns_them(
    client, settings, s3_bucket
):
    script = import_scene(settings, tone(6.0, rate=48_000))
    Script.objects.filter(pk=script.pk).update(is_published=True)

    assert_imported(script, settings.SCENE_IMPORT_CLIP_PAD_SECONDS)
    listing = s3_bucket.list_objects_v2(
        Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=f"lines/import-{script.imports.get().pk}/"
    )
    keys = {item["Key"] for item in listing.get("Contents", [])}
    assert set(script.lines.values_list("reference_audio", flat=True)) == keys

    body = client.get(f"/api/scripts/{script.pk}/").json()
    urls = [token["audio_url"] for token in body["tokens"]]
    assert len(urls) == 2
    assert all("X-Amz-Signature=" in url and "X-Amz-Expires=" in url for url in urls)
    with urllib.request.urlopen(urls[0], timeout=10) as response:  # the signed URL works
        assert response.read(4) == b"fLaC"
