import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scripts.models import AudioStatus, Kind
from scripts.tests.factories import LineFactory, ScriptFactory

pytestmark = pytest.mark.django_db


def get_json(client, url: str, **params):
    response = client.get(url, params)
    return response.status_code, response.json()


def test_api_script_list_returns_published_scripts_with_line_counts(client):
    script = ScriptFactory(title="The Last Train", kind=Kind.MOVIE)
    LineFactory.create_batch(2, script=script)
    LineFactory(script=script, audio_status=AudioStatus.MISSING)
    ScriptFactory(is_published=False)

    status, body = get_json(client, "/api/scripts/")

    assert status == 200
    assert body["count"] == 1
    assert body["results"][0]["title"] == "The Last Train"
    assert body["results"][0]["line_count"] == 2
    assert body["results"][0]["kind"] == "movie"


def test_api_script_list_filters_and_searches(client):
    ScriptFactory(title="Lullaby", kind=Kind.SONG, difficulty=1)
    ScriptFactory(title="Thriller", kind=Kind.MOVIE, difficulty=4, language="ko")

    _, songs = get_json(client, "/api/scripts/", kind="song")
    _, korean = get_json(client, "/api/scripts/", language="ko", difficulty=4)
    _, search = get_json(client, "/api/scripts/", q="lulla")

    assert [s["title"] for s in songs["results"]] == ["Lullaby"]
    assert [s["title"] for s in korean["results"]] == ["Thriller"]
    assert [s["title"] for s in search["results"]] == ["Lullaby"]


def test_api_script_list_rejects_bad_filters_with_detail_and_code(client):
    status, body = get_json(client, "/api/scripts/", difficulty="9", kind="podcast")

    assert status == 400
    assert body["code"] == "invalid"
    assert "difficulty" in body["detail"] and "kind" in body["detail"]


def test_api_script_detail_includes_visible_tokens_with_absolute_audio_urls(client):
    script = ScriptFactory()
    line = LineFactory(script=script, text="Hold the door!", actor__name="Mara")
    LineFactory(script=script, text="Hidden.", audio_status=AudioStatus.UNREADABLE)

    status, body = get_json(client, f"/api/scripts/{script.pk}/")

    assert status == 200
    assert [t["text"] for t in body["tokens"]] == ["Hold the door!"]
    token = body["tokens"][0]
    assert token["id"] == line.pk
    assert token["actor"]["name"] == "Mara"
    assert token["audio_url"] == f"http://testserver{line.reference_audio.url}"
    assert token["start_time"] == line.start_time and token["end_time"] == line.end_time


def test_api_token_detail_returns_one_line_with_its_script(client):
    line = LineFactory(text="How you doin'?", script__title="Friends")

    status, body = get_json(client, f"/api/tokens/{line.pk}/")

    assert status == 200
    assert body["text"] == "How you doin'?"
    assert body["script"]["title"] == "Friends"
    assert body["audio_url"].endswith(".flac")


def test_api_hides_unpublished_scripts_and_unplayable_tokens(client):
    draft = ScriptFactory(is_published=False)
    hidden_line = LineFactory(script=draft)
    broken = LineFactory(audio_status=AudioStatus.MISSING)

    assert client.get(f"/api/scripts/{draft.pk}/").status_code == 404
    assert client.get(f"/api/tokens/{hidden_line.pk}/").status_code == 404
    response = client.get(f"/api/tokens/{broken.pk}/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_api_query_counts_do_not_grow_with_scripts_or_lines(client):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    small = ScriptFactory()
    LineFactory(script=small)
    list_few, detail_small = queries("/api/scripts/"), queries(f"/api/scripts/{small.pk}/")
    large = ScriptFactory()
    LineFactory.create_batch(15, script=large)
    for _ in range(6):
        LineFactory(script=ScriptFactory())

    assert queries("/api/scripts/") == list_few
    assert queries(f"/api/scripts/{large.pk}/") == detail_small


def test_api_tokens_carry_a_song_lines_key_and_starting_note(client):
    song = LineFactory(
        script__kind=Kind.SONG,
        script__song_key={
            "key": {"name": "C major", "name_ko": "다장조"},
            "key_reason": None,
            "lines": 4,
        },
        reference_analysis={
            "song": {
                "key": {"name": "D minor", "name_ko": "라단조"},
                "start_note": {"midi": 67, "name": "G4", "hz": 391.8},
            }
        },
    )
    speech = LineFactory()

    _, token = get_json(client, f"/api/tokens/{song.pk}/")
    _, script = get_json(client, f"/api/scripts/{song.script_id}/")
    _, speech_token = get_json(client, f"/api/tokens/{speech.pk}/")

    # The song's key is the one to show; the line's own notes fit D minor.
    expected = {
        "key": "C major",
        "key_ko": "다장조",
        "song_key": "C major",
        "song_key_ko": "다장조",
        "line_key": "D minor",
        "line_key_ko": "라단조",
        "start_note": "G4",
        "start_midi": 67,
        "start_hz": 391.8,
    }
    assert token["song"] == expected
    assert script["tokens"][0]["song"] == expected
    assert speech_token["song"] is None
