"""The scene pages, server-rendered: choose a role, dub, results, the shared reel."""

import pytest

from dubbing import building, services
from dubbing.models import SceneSession
from dubbing.tests.conftest import make_scene, score, upload_take


def ready_reel(session, scene, **scores):
    for line in scene.role_lines(scene.mara):
        score(upload_take(session, line, seed=line.position), **scores)
    queued, _ = services.reel_request(session=session)
    return building.reel_build(reel=services.reel_start(reel_id=queued.pk))


def test_scene_list_shows_scripts_with_two_roles(client, scene):
    html = client.get("/scenes/").content.decode()
    assert "The Last Train" in html and "2 roles" in html


def test_roles_page_lists_roles_and_starts_a_session(client, scene, learner):
    client.force_login(learner)
    page = client.get(f"/scenes/{scene.script.pk}/").content.decode()
    assert "Mara" in page and "Leo" in page and "2 lines" in page

    response = client.post(f"/scenes/{scene.script.pk}/", {"actor_id": scene.leo.pk})

    session = SceneSession.objects.get()
    assert session.actor == scene.leo and session.user == learner
    assert response.status_code == 302 and response.url == f"/scenes/sessions/{session.public_id}/"


def test_roles_page_refuses_an_unknown_role(client, scene, learner):
    client.force_login(learner)
    response = client.post(f"/scenes/{scene.script.pk}/", {"actor_id": 999})
    assert response.status_code == 400 and not SceneSession.objects.exists()


def test_session_page_draws_every_line_and_marks_the_role(client, session, scene, learner):
    client.force_login(learner)
    html = client.get(f"/scenes/sessions/{session.public_id}/").content.decode()
    assert html.count('class="scene-line mine"') == 2
    assert html.count('class="scene-line"') == 2
    assert "dubbing/scene.js" in html and 'id="session-body"' in html


def test_results_page_shows_reel_scores_and_worst_synced_line(client, session, scene, learner):
    ready_reel(session, scene, onset_offset=0.42)
    client.force_login(learner)

    html = client.get(f"/scenes/sessions/{session.public_id}/result/").content.decode()

    assert "data-scene-score>" in html
    assert "0.42 s late" in html
    assert 'type="audio/ogg; codecs=opus"' in html and 'kind="subtitles"' in html
    assert html.count('class="cue"') == 4
    assert html.count(">See this take</a>") == 2


def test_shared_page_plays_without_an_account_until_revoked(client, session, scene):
    share = services.reel_share_create(reel=ready_reel(session, scene))

    page = client.get(f"/scenes/shared/{share.token}/")
    assert page.status_code == 200
    assert "Mara" in page.content.decode() and page["Referrer-Policy"] == "no-referrer"

    services.reel_share_revoke(share=share)
    assert client.get(f"/scenes/shared/{share.token}/").status_code == 404


def test_another_learner_cannot_open_a_session_or_its_results(client, session, other_learner):
    client.force_login(other_learner)
    assert client.get(f"/scenes/sessions/{session.public_id}/").status_code == 404
    assert client.get(f"/scenes/sessions/{session.public_id}/result/").status_code == 404


def test_korean_pages(client, session, learner):
    from django.utils import translation

    client.force_login(learner)
    with translation.override("ko"):
        html = client.get(
            f"/scenes/sessions/{session.public_id}/", HTTP_ACCEPT_LANGUAGE="ko"
        ).content.decode()
    assert "장면 시작" in html


def test_script_page_links_to_dubbing_when_the_scene_has_two_roles(client, scene):
    html = client.get(f"/scripts/{scene.script.pk}/").content.decode()
    assert f'href="/scenes/{scene.script.pk}/"' in html and "Dub this scene" in html


def test_session_page_of_a_scene_without_full_audio_gives_the_other_roles_clips(
    client, learner, settings
):
    scene = make_scene(with_scene_audio=False)
    session = services.scene_session_create(user=learner, script=scene.script, actor=scene.mara)
    client.force_login(learner)

    response = client.get(f"/scenes/sessions/{session.public_id}/")

    clips = response.context["clips"]
    others = scene.role_lines(scene.leo)
    assert sorted(clips) == sorted(line.pk for line in others)
    for line in others:
        assert clips[line.pk]["url"] == line.reference_audio.url
        assert clips[line.pk]["start"] == pytest.approx(
            max(0.0, line.start_time - settings.SCENE_IMPORT_CLIP_PAD_SECONDS)
        )
    html = response.content.decode()
    assert 'id="scene-clips"' in html and "no full audio" in html
    assert "cannot be dubbed in the browser" not in html
