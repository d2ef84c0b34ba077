"""HTTP caching of the public catalogue API: ETag and 304, Cache-Control for shared
caches, and a body kept per catalogue version that no write has to drop by hand."""

import pytest

from scripts.models import AudioStatus
from scripts.tests.factories import ActorFactory, LineFactory, ScriptFactory
from yousync.testing import sql_statements

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalogue_cache(settings):
    settings.CATALOGUE_CACHE_SECONDS = 120


@pytest.fixture
def script():
    script = ScriptFactory(title="The Last Train")
    LineFactory.create_batch(2, script=script)
    return script


def paths(script):
    line = script.lines.first()
    return ["/api/scripts/", f"/api/scripts/{script.pk}/", f"/api/tokens/{line.pk}/"]


def test_catalogue_answers_carry_an_etag_and_a_public_max_age(client, script):
    for path in paths(script):
        response = client.get(path)

        assert response.status_code == 200, path
        assert response["ETag"].startswith('"') and len(response["ETag"]) > 10
        assert "public" in response["Cache-Control"]
        assert "max-age=120" in response["Cache-Control"]


def test_catalogue_revalidation_gets_304_without_building_the_body(client, script):
    for path in paths(script):
        etag = client.get(path)["ETag"]

        with sql_statements() as queries:
            again = client.get(path, HTTP_IF_NONE_MATCH=etag)

        assert again.status_code == 304, path
        assert again.content == b""
        assert again["ETag"] == etag
        # Only the catalogue's version is read: no script, line or count query.
        assert len(queries) == 1, queries


def test_catalogue_second_request_reads_the_kept_body(client, script):
    first = client.get("/api/scripts/")

    with sql_statements() as queries:
        second = client.get("/api/scripts/")

    assert second.json() == first.json()
    assert len(queries) == 1  # the version; the body came from the cache


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: setattr(s, "title", "The First Train") or s.save(), id="edit"),
        pytest.param(lambda s: s.lines.first().delete(), id="line-deleted"),
        pytest.param(lambda s: LineFactory(script=s), id="line-added"),
        pytest.param(lambda s: setattr(s, "is_published", False) or s.save(), id="unpublished"),
    ],
)
def test_a_catalogue_change_shows_on_the_next_request_without_any_invalidation(
    client, script, change
):
    before = client.get(f"/api/scripts/{script.pk}/")
    listed = client.get("/api/scripts/")

    change(script)
    after = client.get(f"/api/scripts/{script.pk}/", HTTP_IF_NONE_MATCH=before["ETag"])
    relisted = client.get("/api/scripts/", HTTP_IF_NONE_MATCH=listed["ETag"])

    assert after.status_code in (200, 404)
    assert after.status_code == 404 or after["ETag"] != before["ETag"]
    assert relisted.status_code == 200
    assert relisted.json() != listed.json()


def test_an_actor_rename_moves_the_scripts_etag(client, script):
    actor = ActorFactory(name="Old Name")
    line = script.lines.first()
    line.actor = actor
    line.save()
    before = client.get(f"/api/scripts/{script.pk}/")

    actor.name = "New Name"
    actor.save()
    after = client.get(f"/api/scripts/{script.pk}/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    names = {token["actor"]["name"] for token in after.json()["tokens"] if token["actor"]}
    assert "New Name" in names


def test_reference_audio_check_moves_the_version(client, script):
    from scripts import services

    line = script.lines.first()
    before = client.get(f"/api/scripts/{script.pk}/")
    line.reference_audio.storage.delete(line.reference_audio.name)

    assert services.line_check_audio(line=line) == AudioStatus.MISSING
    after = client.get(f"/api/scripts/{script.pk}/")

    assert len(after.json()["tokens"]) == len(before.json()["tokens"]) - 1


def test_etag_differs_by_query_and_language(client, script):
    plain = client.get("/api/scripts/")["ETag"]
    page_size = client.get("/api/scripts/", {"page_size": 5})["ETag"]
    korean = client.get("/api/scripts/", HTTP_ACCEPT_LANGUAGE="ko")["ETag"]

    assert len({plain, page_size, korean}) == 3


def test_bad_filters_are_not_cached_and_say_why(client, script):
    response = client.get("/api/scripts/", {"difficulty": "hard"})

    assert response.status_code == 400
    assert "ETag" not in response or "public" not in response.get("Cache-Control", "")


def test_without_a_lifetime_nothing_is_kept_but_revalidation_still_works(client, script, settings):
    settings.CATALOGUE_CACHE_SECONDS = 0
    first = client.get("/api/scripts/")

    with sql_statements() as queries:
        second = client.get("/api/scripts/")
    revalidated = client.get("/api/scripts/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert len(queries) > 1  # built again
    assert second.json() == first.json()
    assert "max-age=0" in first["Cache-Control"]
    assert revalidated.status_code == 304
