"""Sessions, takes, choices and reels through the services, and a reel built for real."""

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from scipy.signal import correlate

from dubbing import building, reel, selectors, services
from dubbing.models import Reel, ReelStatus, SceneTake
from dubbing.tests.conftest import (
    LINES,
    RATE,
    SCENE_SECONDS,
    TAKE_LEAD,
    TAKE_VOICE,
    fail,
    make_scene,
    score,
    take_samples,
    upload_take,
)
from practice.models import AttemptStatus, LearnerLineStats
from practice.uploads import RecordingRejected
from scripts.models import Actor, AudioStatus, Line, Script


def dub_every_line(session, scene, **scores):
    return [
        score(upload_take(session, line, seed=line.position), **scores)
        for line in scene.role_lines(scene.mara)
    ]


def build(session) -> Reel:
    queued, _ = services.reel_request(session=session)
    claimed = services.reel_start(reel_id=queued.pk)
    return building.reel_build(reel=claimed)


def test_script_roles_lists_actors_with_line_counts_in_speaking_order(
    scene, django_assert_num_queries
):
    with django_assert_num_queries(2):
        roles = selectors.script_roles(script=scene.script)
    assert [(r.actor.character_name, r.line_count) for r in roles] == [("Mara", 2), ("Leo", 2)]


def test_script_roles_is_empty_with_one_actor(scene):
    Line.objects.filter(actor=scene.leo).update(actor=scene.mara)
    assert selectors.script_roles(script=scene.script) == []
    with pytest.raises(services.DubbingError) as refused:
        services.scene_session_create(user=None, script=scene.script, actor=scene.mara)
    assert refused.value.code == "not_dubbable"


def test_scene_session_create_refuses_an_actor_outside_the_scene(scene, learner):
    stranger = Actor.objects.create(name="Someone else")
    with pytest.raises(services.DubbingError) as refused:
        services.scene_session_create(user=learner, script=scene.script, actor=stranger)
    assert refused.value.code == "not_a_role"


def test_a_take_is_an_ordinary_attempt_linked_to_the_session(session, scene, learner):
    line = scene.role_lines(scene.mara)[0]

    attempt = upload_take(session, line)

    assert attempt.user == learner and attempt.line == line
    assert attempt.status == AttemptStatus.QUEUED
    assert SceneTake.objects.get(attempt=attempt).session == session
    # It counts as practice like any other take (history and statistics).
    assert LearnerLineStats.objects.get(user=learner, line=line).attempt_count == 1


def test_a_take_of_the_other_role_is_refused(session, scene):
    line = scene.role_lines(scene.leo)[0]
    with pytest.raises(services.DubbingError) as refused:
        upload_take(session, line)
    assert refused.value.code == "not_in_role"


def test_an_unscorable_take_is_refused_by_practice_and_not_linked(session, scene):
    line = scene.role_lines(scene.mara)[0]
    with pytest.raises(RecordingRejected):
        services.scene_take_create(
            session=session, line=line, upload=SimpleUploadedFile("x.wav", b"not audio")
        )
    assert not SceneTake.objects.exists()


def test_session_lines_choose_the_newest_scored_take_unless_the_learner_chose(
    session, scene, django_assert_num_queries
):
    line = scene.role_lines(scene.mara)[0]
    first = score(upload_take(session, line, seed=1), overall=90)
    second = score(upload_take(session, line, seed=2), overall=40)
    upload_take(session, line, seed=3)  # still queued: never chosen by default

    with django_assert_num_queries(2):
        lines = selectors.session_lines(session=session)
    assert lines[0].chosen == second
    assert [t.job_id for t in lines[0].takes][1:] == [second.job_id, first.job_id]

    services.scene_take_choose(session=session, line=line, job_id=first.job_id)
    assert selectors.session_lines(session=session)[0].chosen == first


def test_only_a_scored_take_can_be_chosen(session, scene):
    line = scene.role_lines(scene.mara)[0]
    queued = upload_take(session, line)
    with pytest.raises(services.DubbingError) as refused:
        services.scene_take_choose(session=session, line=line, job_id=queued.job_id)
    assert refused.value.code == "take_not_scored"


def test_reel_request_names_the_lines_still_missing_a_take(session, scene):
    first, second = scene.role_lines(scene.mara)
    score(upload_take(session, first))
    with pytest.raises(services.DubbingError) as refused:
        services.reel_request(session=session)
    assert refused.value.code == "takes_missing"
    assert refused.value.lines == [second.pk]


def test_a_take_that_fails_scoring_leaves_the_session_resumable(session, scene):
    first, second = scene.role_lines(scene.mara)
    score(upload_take(session, first))
    failed = fail(upload_take(session, second, seed=5))
    assert failed.status == AttemptStatus.FAILED

    lines = selectors.session_lines(session=session)
    assert selectors.session_missing_lines(lines) == [second]
    entry = next(e for e in lines if e.line == second)
    assert entry.takes == [failed] and entry.chosen is None

    # The learner records that line again and carries on to the reel.
    retake = score(upload_take(session, second, seed=6))
    reel_row, queued = services.reel_request(session=session)
    assert queued
    assert [t["job_id"] for t in reel_row.takes][1] == str(retake.job_id)


def test_reel_request_is_idempotent_until_the_choice_changes(session, scene):
    first, _second = scene.role_lines(scene.mara)
    dub_every_line(session, scene)
    reel_row, queued = services.reel_request(session=session)
    again, queued_again = services.reel_request(session=session)
    assert queued and not queued_again and again.job_id == reel_row.job_id

    other = score(upload_take(session, first, seed=9))
    services.scene_take_choose(session=session, line=first, job_id=other.job_id)
    rebuilt, queued = services.reel_request(session=session)
    assert queued and rebuilt.pk == reel_row.pk and rebuilt.job_id != reel_row.job_id


def test_reel_build_stores_a_reel_as_long_as_the_scene_with_each_take_at_its_line(session, scene):
    takes = dub_every_line(session, scene)

    built = build(session)

    built.refresh_from_db()
    assert built.status == ReelStatus.READY and built.progress == 100
    assert built.duration == pytest.approx(SCENE_SECONDS, abs=0.001)
    with built.audio_m4a.open("rb") as handle:
        decoded = reel.decode(handle.read())
    with built.audio_opus.open("rb") as handle:
        assert abs(len(reel.decode(handle.read())) / RATE - SCENE_SECONDS) <= 0.05
    assert abs(len(decoded) / RATE - SCENE_SECONDS) <= 0.05
    for attempt, line in zip(takes, scene.role_lines(scene.mara), strict=True):
        voice = take_samples(line.position)[
            int(TAKE_LEAD * RATE) : int((TAKE_LEAD + TAKE_VOICE) * RATE)
        ]
        found = int(np.argmax(np.abs(correlate(decoded, voice, mode="valid", method="fft")))) / RATE
        assert found == pytest.approx(line.start_time, abs=0.02), attempt.job_id
    assert "[Leo] Too late. That was the last train." in built.subtitles_srt
    assert built.subtitles_vtt.startswith("WEBVTT")


def test_reel_build_without_scene_audio_assembles_the_other_role(learner, db):
    scene = make_scene(with_scene_audio=False)
    session = services.scene_session_create(user=learner, script=scene.script, actor=scene.leo)
    for line in scene.role_lines(scene.leo):
        score(upload_take(session, line, seed=line.position))

    built = build(session)

    assert built.status == ReelStatus.READY
    assert built.duration == pytest.approx(LINES[-1][2] + reel.SCENE_TAIL_SECONDS, abs=0.001)


def test_reel_delete_removes_the_files_and_the_share_links(
    session, scene, django_capture_on_commit_callbacks
):
    dub_every_line(session, scene)
    built = build(session)
    share = services.reel_share_create(reel=built)
    storage, names = built.audio_m4a.storage, [built.audio_m4a.name, built.audio_opus.name]

    with django_capture_on_commit_callbacks(execute=True):
        services.reel_delete(reel=built)

    assert not Reel.objects.exists()
    assert selectors.shared_reel(token=share.token) is None
    assert not any(storage.exists(name) for name in names)


def test_share_links_expire_and_are_revoked(session, scene):
    from datetime import timedelta

    from django.utils import timezone

    dub_every_line(session, scene)
    built = build(session)
    lasting = services.reel_share_create(reel=built)
    brief = services.reel_share_create(reel=built, expires_at=timezone.now() + timedelta(hours=1))

    assert len(lasting.token) >= 43 and lasting.token != brief.token
    assert selectors.shared_reel(token=brief.token) == brief
    assert selectors.shared_reel(token=brief.token, now=timezone.now() + timedelta(hours=2)) is None
    services.reel_share_revoke(share=lasting)
    assert selectors.shared_reel(token=lasting.token) is None


def test_a_reel_not_ready_cannot_be_shared(session, scene):
    dub_every_line(session, scene)
    queued, _ = services.reel_request(session=session)
    with pytest.raises(services.DubbingError) as refused:
        services.reel_share_create(reel=queued)
    assert refused.value.code == "reel_not_ready"


def test_scene_score_weights_timing_and_names_the_worst_synced_line(session, scene):
    first, second = scene.role_lines(scene.mara)
    score(
        upload_take(session, first),
        timing=100,
        pronunciation=50,
        intonation=50,
        emotion=50,
        onset_offset=0.02,
    )
    score(
        upload_take(session, second),
        timing=50,
        pronunciation=None,
        intonation=100,
        emotion=100,
        onset_offset=-0.31,
    )

    result = selectors.session_scene_score(selectors.session_lines(session=session))

    # (0.4*100 + 0.6*50) = 70; (0.4*50 + 0.2*100 + 0.2*100) / 0.8 = 75
    assert result.line_scores == {first.pk: 70, second.pk: 75}
    assert result.score == 72
    assert result.worst_synced.line_id == second.pk
    assert result.worst_synced.onset_offset == pytest.approx(-0.31)


def test_dubbable_scripts_lists_scripts_with_two_roles(scene, db):
    solo = Script.objects.create(title="Solo", work_title="W", kind="song", is_published=True)
    Line.objects.create(
        script=solo,
        actor=scene.mara,
        position=1,
        text="La",
        start_time=0,
        end_time=1,
        reference_audio="lines/x.flac",
        audio_status=AudioStatus.OK,
    )
    assert list(selectors.dubbable_scripts()) == [scene.script]
