"""The scene-dubbing API: roles, sessions, takes, choices, reels, subtitles, share links."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dubbing import building, services
from dubbing.models import SceneSession, SceneTake
from dubbing.tests.conftest import api_client, score, take_samples, upload_take, wav_bytes
from scripts.subtitles import parse_subtitles


def take_file(seed: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile("take.wav", wav_bytes(take_samples(seed)), "audio/wav")


def ready_reel(session, scene):
    for line in scene.role_lines(scene.mara):
        score(upload_take(session, line, seed=line.position))
    queued, _ = services.reel_request(session=session)
    return building.reel_build(reel=services.reel_start(reel_id=queued.pk))


def test_roles_lists_each_actor_with_line_count_without_an_account(scene):
    response = api_client().get(f"/api/scripts/{scene.script.pk}/roles")
    assert response.status_code == 200
    body = response.json()
    assert body["dubbable"] is True
    assert [(r["actor"]["character_name"], r["line_count"]) for r in body["roles"]] == [
        ("Mara", 2),
        ("Leo", 2),
    ]


def test_create_session_in_a_role_and_read_it(scene, learner):
    client = api_client(learner)
    response = client.post(
        "/api/scene-sessions",
        {"script_id": scene.script.pk, "actor_id": scene.leo.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"]["character_name"] == "Leo"
    assert [line["is_role"] for line in body["lines"]] == [False, True, False, True]
    assert body["missing_token_ids"] == [line.pk for line in scene.role_lines(scene.leo)]
    assert body["reel"] is None
    assert client.get(body["url"]).json()["id"] == body["id"]
    listed = client.get("/api/scene-sessions").json()
    assert [s["id"] for s in listed["results"]] == [body["id"]]


def test_create_session_errors_in_the_api_shape(scene, learner):
    client = api_client(learner)
    unknown = client.post("/api/scene-sessions", {"script_id": 999, "actor_id": 1}, format="json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    extra = client.post(
        "/api/scene-sessions",
        {"script_id": scene.script.pk, "actor_id": scene.leo.pk, "x": 1},
        format="json",
    )
    assert extra.status_code == 400 and extra.json()["code"] == "unknown_field"
    assert api_client().post("/api/scene-sessions", {}, format="json").status_code == 401


def test_upload_a_take_through_the_session(session, scene, learner):
    line = scene.role_lines(scene.mara)[0]
    url = f"/api/scene-sessions/{session.public_id}/tokens/{line.pk}/upload-audio"

    response = api_client(learner).post(
        url, {"audio_file": take_file()}, format="multipart", HTTP_IDEMPOTENCY_KEY="take-1"
    )

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["session_id"] == str(session.public_id) and body["token_id"] == line.pk
    assert body["websocket_url"] == f"/ws/attempts/{body['job_id']}/"
    take = SceneTake.objects.get(attempt__job_id=body["job_id"])
    assert take.session == session and take.line == line
    # A retried upload with the same key is the same take.
    again = api_client(learner).post(
        url, {"audio_file": take_file()}, format="multipart", HTTP_IDEMPOTENCY_KEY="take-1"
    )
    assert again.json()["job_id"] == body["job_id"]
    assert SceneTake.objects.count() == 1


def test_upload_refuses_a_line_of_another_role_and_bad_audio(session, scene, learner):
    client = api_client(learner)
    base = f"/api/scene-sessions/{session.public_id}/tokens"
    leo_line = scene.role_lines(scene.leo)[0]
    other_role = client.post(
        f"{base}/{leo_line.pk}/upload-audio", {"audio_file": take_file()}, format="multipart"
    )
    assert other_role.status_code == 400 and other_role.json()["code"] == "not_in_role"
    mara_line = scene.role_lines(scene.mara)[0]
    junk = SimpleUploadedFile("x.wav", b"this is not audio at all", "audio/wav")
    bad = client.post(
        f"{base}/{mara_line.pk}/upload-audio", {"audio_file": junk}, format="multipart"
    )
    assert bad.status_code == 415 and bad.json()["code"] == "unsupported_type"


def test_choose_a_take(session, scene, learner):
    line = scene.role_lines(scene.mara)[0]
    first = score(upload_take(session, line, seed=1))
    score(upload_take(session, line, seed=2))
    queued = upload_take(session, line, seed=3)
    url = f"/api/scene-sessions/{session.public_id}/tokens/{line.pk}/choice"
    client = api_client(learner)

    chosen = client.put(url, {"job_id": str(first.job_id)}, format="json")
    not_scored = client.put(url, {"job_id": str(queued.job_id)}, format="json")

    assert chosen.status_code == 200
    takes = chosen.json()["lines"][0]["takes"]
    assert [t["chosen"] for t in takes] == [False, False, True]
    assert not_scored.status_code == 409 and not_scored.json()["code"] == "take_not_scored"


def test_reel_request_needs_every_line_then_builds(
    session, scene, learner, django_capture_on_commit_callbacks
):
    client = api_client(learner)
    url = f"/api/scene-sessions/{session.public_id}/reel"
    first, second = scene.role_lines(scene.mara)
    score(upload_take(session, first))

    missing = client.post(url)
    assert missing.status_code == 409
    assert missing.json() == {
        "detail": "Every line of your role needs a scored take first.",
        "code": "takes_missing",
        "token_ids": [second.pk],
    }

    score(upload_take(session, second))
    with django_capture_on_commit_callbacks() as callbacks:
        queued = client.post(url)
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued" and queued.json()["m4a_url"] is None
    assert queued.json()["websocket_url"] == f"/ws/reels/{queued.json()['job_id']}/"
    assert callbacks  # the build job is sent after the commit
    assert client.post(url).status_code == 200  # the same takes: the same reel


def test_ready_reel_has_audio_and_subtitles(session, scene, learner):
    ready_reel(session, scene)
    client = api_client(learner)
    url = f"/api/scene-sessions/{session.public_id}/reel"

    body = client.get(url).json()

    assert body["status"] == "ready" and body["current"] is True
    assert body["m4a_url"].endswith(".m4a") and body["opus_url"].endswith(".opus")
    vtt = client.get(body["vtt_url"])
    assert vtt["Content-Type"].startswith("text/vtt")
    cues = parse_subtitles(vtt.content.decode())
    assert [c.text for c in cues] == [line.text for line in scene.lines]
    srt = client.get(body["srt_url"]).content.decode()
    assert [c.speaker for c in parse_subtitles(srt)] == ["Mara", "Leo", "Mara", "Leo"]
    session_body = client.get(f"/api/scene-sessions/{session.public_id}").json()
    assert session_body["scene_score"] is not None
    assert session_body["reel"]["status"] == "ready"


def test_share_links_work_without_an_account_until_revoked(session, scene, learner):
    ready_reel(session, scene)
    client = api_client(learner)
    shares_url = f"/api/scene-sessions/{session.public_id}/reel/shares"

    created = client.post(shares_url, {"expires_in_days": 7}, format="json")
    assert created.status_code == 201, created.content
    share = created.json()
    token = share["api_url"].rsplit("/", 1)[-1]
    anonymous = api_client()
    shared = anonymous.get(share["api_url"])
    assert shared.status_code == 200
    assert shared.json()["role"] == "Mara" and shared.json()["m4a_url"]
    assert anonymous.get(shared.json()["vtt_url"]).content.startswith(b"WEBVTT")
    assert anonymous.get(share["url"]).status_code == 200  # the page
    assert [s["active"] for s in client.get(shares_url).json()] == [True]

    revoked = client.delete(f"{shares_url}/{share['id']}")

    assert revoked.status_code == 204
    gone = anonymous.get(share["api_url"])
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"
    assert anonymous.get(f"/api/shared-reels/{token}/subtitles.vtt").status_code == 404
    assert anonymous.get(share["url"]).status_code == 404
    assert [s["active"] for s in client.get(shares_url).json()] == [False]


def test_delete_reel_stops_its_share_links(session, scene, learner):
    ready_reel(session, scene)
    client = api_client(learner)
    share = client.post(f"/api/scene-sessions/{session.public_id}/reel/shares", {}, format="json")

    assert client.delete(f"/api/scene-sessions/{session.public_id}/reel").status_code == 204

    assert api_client().get(share.json()["api_url"]).status_code == 404
    assert client.get(f"/api/scene-sessions/{session.public_id}/reel").status_code == 404


def test_another_learner_can_neither_see_a_session_nor_build_its_reel(
    session, scene, learner, other_learner
):
    ready_reel(session, scene)
    stranger = api_client(other_learner)
    base = f"/api/scene-sessions/{session.public_id}"
    line = scene.role_lines(scene.mara)[0]

    answers = [
        stranger.get(base),
        stranger.post(f"{base}/reel"),
        stranger.get(f"{base}/reel"),
        stranger.delete(f"{base}/reel"),
        stranger.get(f"{base}/reel/subtitles.vtt"),
        stranger.post(f"{base}/reel/shares", {}, format="json"),
        stranger.post(f"{base}/tokens/{line.pk}/upload-audio", {"audio_file": take_file()}),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert {a.json()["code"] for a in answers} == {"not_found"}
    assert stranger.get("/api/scene-sessions").json()["count"] == 0
    assert SceneSession.objects.get().reel.status == "ready"


def test_schema_documents_the_dubbing_api(db):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in (
        "/api/scripts/{id}/roles",
        "/api/scene-sessions",
        "/api/scene-sessions/{session_id}/tokens/{token_id}/upload-audio",
        "/api/scene-sessions/{session_id}/tokens/{token_id}/choice",
        "/api/scene-sessions/{session_id}/reel",
        "/api/scene-sessions/{session_id}/reel/shares",
        "/api/shared-reels/{token}",
    ):
        assert path in paths, path
    reel_post = paths["/api/scene-sessions/{session_id}/reel"]["post"]
    assert {"202", "401", "404", "409"} <= set(reel_post["responses"])


@pytest.mark.parametrize("method", ["get", "post"])
def test_session_api_needs_an_account(session, method):
    response = getattr(api_client(), method)(f"/api/scene-sessions/{session.public_id}/reel")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
