"""Cached public catalogue responses: served without the database, dropped as soon as a
service or the admin changes the catalogue."""

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from scripts import services
from scripts.api import cache as api_cache
from scripts.models import AudioStatus, Kind, Line, Script
from scripts.tests.factories import LineFactory, ScriptFactory
from yousync.testing import SERVICE_VARIABLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue_cache(settings):
    settings.CATALOGUE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def get(client, url: str, **extra) -> tuple[int, dict, int]:
    """Status, JSON body and number of database queries of one GET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response.status_code, response.json(), len(queries)


@pytest.fixture
def script(db):
    script = ScriptFactory(title="The Last Train", kind=Kind.MOVIE)
    LineFactory.create_batch(3, script=script)
    return script


@pytest.mark.parametrize("path", ["/api/scripts/", "/api/scripts/{script}/", "/api/tokens/{line}/"])
def test_api_cache_second_request_makes_no_queries(client, script, path):
    url = path.format(script=script.pk, line=script.lines.first().pk)

    status_first, first, queries_first = get(client, url)
    status_second, second, queries_second = get(client, url)

    assert status_first == status_second == 200
    assert queries_first > 0
    assert queries_second == 0
    assert second == first


def test_api_cache_service_edit_shows_at_once(client, script, django_capture_on_commit_callbacks):
    get(client, f"/api/scripts/{script.pk}/")
    line = script.lines.order_by("position").first()

    with django_capture_on_commit_callbacks(execute=True):
        Line.objects.filter(pk=line.pk).update(reference_audio="")
        services.line_check_audio(line=Line.objects.get(pk=line.pk))
    _, body, queries = get(client, f"/api/scripts/{script.pk}/")

    assert queries > 0
    assert line.pk not in [token["id"] for token in body["tokens"]]
    assert len(body["tokens"]) == 2


def test_api_cache_admin_title_change_shows_at_once(
    curator_client, client, script, django_capture_on_commit_callbacks
):
    _, before, _ = get(client, f"/api/scripts/{script.pk}/")
    _, listed, _ = get(client, "/api/scripts/")
    form = {
        "title": "The Night Train",
        "work_title": script.work_title,
        "kind": script.kind,
        "language": script.language,
        "difficulty": script.difficulty,
        "description": script.description,
        "is_published": "on",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(f"/admin/scripts/script/{script.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    _, after, _ = get(client, f"/api/scripts/{script.pk}/")
    _, listed_after, _ = get(client, "/api/scripts/")

    assert before["title"] == "The Last Train"
    assert listed["results"][0]["title"] == "The Last Train"
    assert after["title"] == "The Night Train"
    assert listed_after["results"][0]["title"] == "The Night Train"
    assert len(after["tokens"]) == 3


def test_api_cache_admin_unpublish_action_makes_detail_404(
    curator_client, client, script, django_capture_on_commit_callbacks
):
    line = script.lines.first()
    assert get(client, f"/api/scripts/{script.pk}/")[0] == 200
    assert get(client, f"/api/tokens/{line.pk}/")[0] == 200
    assert get(client, "/api/scripts/")[1]["count"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        curator_client.post(
            "/admin/scripts/script/", {"action": "unpublish", "_selected_action": [script.pk]}
        )

    assert Script.objects.get(pk=script.pk).is_published is False
    assert get(client, f"/api/scripts/{script.pk}/")[0] == 404
    assert get(client, f"/api/tokens/{line.pk}/")[0] == 404
    assert get(client, "/api/scripts/")[1]["count"] == 0


def test_api_cache_admin_line_and_actor_edits_show_at_once(
    curator_client, client, script, django_capture_on_commit_callbacks
):
    line = script.lines.order_by("position").first()
    get(client, f"/api/tokens/{line.pk}/")
    form = {
        "script": script.pk,
        "position": line.position,
        "actor": line.actor_id,
        "text": "A new line text.",
        "translation": line.translation,
        "start_time": line.start_time,
        "end_time": line.end_time,
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(f"/admin/scripts/line/{line.pk}/change/", form)
        assert response.status_code == 302, response.content[:2000]
        response = curator_client.post(
            f"/admin/scripts/actor/{line.actor_id}/change/",
            {"name": "Mara Quinn", "character_name": "Conductor"},
        )
        assert response.status_code == 302, response.content[:2000]
    _, body, _ = get(client, f"/api/tokens/{line.pk}/")

    assert body["text"] == "A new line text."
    assert body["actor"]["name"] == "Mara Quinn"


def test_api_cache_filters_and_pages_are_cached_separately(client):
    ScriptFactory(title="Lullaby", kind=Kind.SONG, difficulty=1)
    ScriptFactory(title="Thriller", kind=Kind.MOVIE, difficulty=4)

    _, everything, _ = get(client, "/api/scripts/")
    _, songs, _ = get(client, "/api/scripts/?kind=song")
    _, movies, _ = get(client, "/api/scripts/?kind=movie&difficulty=4")
    _, same_movies, queries = get(client, "/api/scripts/?difficulty=4&kind=movie")

    assert [s["title"] for s in everything["results"]] == ["Thriller", "Lullaby"]
    assert [s["title"] for s in songs["results"]] == ["Lullaby"]
    assert [s["title"] for s in movies["results"]] == ["Thriller"]
    assert same_movies == movies and queries == 0  # parameter order does not matter
    assert get(client, "/api/scripts/?page=2")[0] == 404


def test_api_cache_bad_filters_are_not_cached(client):
    status, body, _ = get(client, "/api/scripts/?difficulty=9")
    status_again, _, _ = get(client, "/api/scripts/?difficulty=9")

    assert status == status_again == 400
    assert body["code"] == "invalid"


def test_api_cache_anonymous_and_signed_in_share_one_entry(client, script, learner):
    anonymous_status, anonymous, _ = get(client, f"/api/scripts/{script.pk}/")
    token = AccessToken.for_user(learner)

    status, signed_in, queries = get(
        client, f"/api/scripts/{script.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert anonymous_status == status == 200
    assert signed_in == anonymous
    assert queries == 1  # the JWT's user; the body came from the cache


def test_api_cache_lost_version_never_serves_an_old_body(client, script):
    _, first, _ = get(client, f"/api/scripts/{script.pk}/")
    cache.delete(api_cache.VERSION_KEY)  # evicted
    Script.objects.filter(pk=script.pk).update(title="Renamed behind the services' back")

    _, body, queries = get(client, f"/api/scripts/{script.pk}/")

    assert queries > 0
    assert body["title"] == "Renamed behind the services' back"
    assert first["title"] == "The Last Train"


def test_api_cache_off_when_lifetime_is_zero(client, script, settings):
    settings.CATALOGUE_CACHE_SECONDS = 0
    get(client, f"/api/scripts/{script.pk}/")

    _, _, queries = get(client, f"/api/scripts/{script.pk}/")

    assert queries > 0


def test_api_cache_script_delete_and_import_change_the_list(
    client, script, django_capture_on_commit_callbacks
):
    other = ScriptFactory(title="Second")
    LineFactory(script=other, audio_status=AudioStatus.OK)
    assert get(client, "/api/scripts/")[1]["count"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.script_delete(script=other)

    assert [s["title"] for s in get(client, "/api/scripts/")[1]["results"]] == ["The Last Train"]


def settings_probe(**env) -> subprocess.CompletedProcess:
    """CATALOGUE_CACHE_SECONDS as a fresh interpreter reads it from `env`."""
    environ = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    environ.pop("CATALOGUE_CACHE_SECONDS", None)
    environ.update(env)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CATALOGUE_CACHE_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("env", "seconds"),
    [
        ({}, "300"),
        ({"AWS_STORAGE_BUCKET_NAME": "media"}, "300"),  # presigned URLs live 3600 s
        ({"AWS_STORAGE_BUCKET_NAME": "media", "AWS_QUERYSTRING_EXPIRE": "400"}, "200"),
    ],
)
def test_api_cache_lifetime_stays_under_half_the_presigned_url_lifetime(env, seconds):
    probe = settings_probe(**env)

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == seconds


def test_api_cache_lifetime_longer_than_half_the_url_lifetime_is_refused():
    probe = settings_probe(
        AWS_STORAGE_BUCKET_NAME="media", AWS_QUERYSTRING_EXPIRE="400", CATALOGUE_CACHE_SECONDS="300"
    )

    assert probe.returncode != 0
    assert "CATALOGUE_CACHE_SECONDS must be between 0 and half of AWS_QUERYSTRING_EXPIRE" in (
        probe.stderr
    )
