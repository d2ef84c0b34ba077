import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scripts.models import AudioStatus, Kind
from scripts.tests.factories import LineFactory, ScriptFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_catalogue_lists_published_scripts_only(client):
    LineFactory(script=ScriptFactory(title="Hold the Door", work_title="Midnight Station"))
    ScriptFactory(title="Secret Draft", is_published=False)

    response = client.get("/")

    html = response.content.decode()
    assert "Hold the Door" in html and "Midnight Station" in html
    assert "Secret Draft" not in html
    assert "1 scene" in html
    assert "1 line" in html


def test_catalogue_filters_by_kind_language_and_difficulty(client):
    ScriptFactory(title="A Song", kind=Kind.SONG, language="en", difficulty=1)
    ScriptFactory(title="A Drama", kind=Kind.DRAMA, language="ko", difficulty=3)
    ScriptFactory(title="A Movie", kind=Kind.MOVIE, language="en", difficulty=3)

    by_kind = client.get("/", {"kind": "song"}).content.decode()
    by_language = client.get("/", {"language": "ko"}).content.decode()
    by_level = client.get("/", {"difficulty": "3", "language": "en"}).content.decode()

    assert "A Song" in by_kind and "A Drama" not in by_kind and "A Movie" not in by_kind
    assert "A Drama" in by_language and "A Song" not in by_language
    assert "A Movie" in by_level and "A Drama" not in by_level and "A Song" not in by_level


def test_catalogue_search_matches_titles_lines_and_actors(client):
    LineFactory(script=ScriptFactory(title="Station"), text="Hold the door, please!")
    LineFactory(script=ScriptFactory(title="Robot"), actor__character_name="Bolt")
    ScriptFactory(title="Unrelated")

    by_line = client.get("/", {"q": "the door"}).content.decode()
    by_actor = client.get("/", {"q": "bolt"}).content.decode()
    by_title = client.get("/", {"q": "unrel"}).content.decode()

    assert "Station" in by_line and "Robot" not in by_line
    assert "Robot" in by_actor and "Station" not in by_actor
    assert "Unrelated" in by_title and "1 scene" in by_title


def test_catalogue_ignores_bad_filter_values(client):
    ScriptFactory(title="Still Here")

    response = client.get("/", {"difficulty": "nine", "kind": "podcast", "page": "x"})

    assert response.status_code == 200
    assert "Still Here" in response.content.decode()


def test_catalogue_paginates_and_keeps_filters(client, settings):
    settings.CATALOGUE_PAGE_SIZE = 2
    for n in range(5):
        ScriptFactory(title=f"Song {n}", kind=Kind.SONG)

    page2 = client.get("/", {"kind": "song", "page": 2}).content.decode()

    assert "Page 2 of 3" in page2
    assert "?kind=song&amp;page=3" in page2 and "?kind=song&amp;page=1" in page2
    assert page2.count('class="script-card"') == 2


def test_catalogue_query_count_does_not_grow_with_scripts(client):
    for _ in range(2):
        LineFactory(script=ScriptFactory())
    few = count_queries(client, "/")

    for _ in range(8):
        script = ScriptFactory()
        LineFactory.create_batch(3, script=script)
    many = count_queries(client, "/")

    assert many == few


def test_script_page_lists_lines_with_actor_translation_and_player(client):
    script = ScriptFactory(title="The Last Train")
    line = LineFactory(
        script=script,
        text="Hold the door!",
        translation="문 좀 잡아 주세요!",
        actor__character_name="Mara",
    )

    html = client.get(reverse("practice:script", args=[script.pk])).content.decode()

    assert "The Last Train" in html
    assert "Hold the door!" in html and "문 좀 잡아 주세요!" in html and "Mara" in html
    assert f'data-audio="{line.reference_audio.url}"' in html
    assert 'id="line-player"' in html


def test_script_page_hides_lines_without_readable_audio(client):
    script = ScriptFactory()
    LineFactory(script=script, text="Playable line.")
    LineFactory(script=script, text="Broken clip.", audio_status=AudioStatus.UNREADABLE)
    LineFactory(
        script=script, text="No clip.", reference_audio="", audio_status=AudioStatus.MISSING
    )

    html = client.get(reverse("practice:script", args=[script.pk])).content.decode()

    assert "Playable line." in html
    assert "Broken clip." not in html and "No clip." not in html


def test_script_page_query_count_does_not_grow_with_lines(client):
    small = ScriptFactory()
    LineFactory.create_batch(2, script=small)
    large = ScriptFactory()
    LineFactory.create_batch(20, script=large)

    assert count_queries(client, f"/scripts/{small.pk}/") == count_queries(
        client, f"/scripts/{large.pk}/"
    )


def test_unpublished_script_is_not_found_for_learners_but_visible_to_curators(
    client, learner, curator
):
    script = ScriptFactory(title="Draft Scene", is_published=False)
    url = reverse("practice:script", args=[script.pk])

    anonymous = client.get(url)
    client.force_login(learner)
    as_learner = client.get(url)
    client.force_login(curator)
    as_curator = client.get(url)

    assert anonymous.status_code == 404 and as_learner.status_code == 404
    assert "We couldn" in anonymous.content.decode()
    assert as_curator.status_code == 200
    assert "Not published yet" in as_curator.content.decode()


def test_pages_are_in_korean_for_korean_browsers(client):
    ScriptFactory(kind=Kind.SONG)

    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9").content.decode()

    assert '<html lang="ko">' in html
    assert "카탈로그" in html and "노래" in html and "검색" in html
