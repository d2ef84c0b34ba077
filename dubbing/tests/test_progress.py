"""Reel progress over the WebSocket, and the build job on a worker."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from dubbing import progress, services
from dubbing.models import Reel, ReelStatus
from dubbing.tests.conftest import make_scene, score, upload_take
from yousync.asgi import application


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def communicator(job_id, user) -> WebsocketCommunicator:
    """Built outside the event loop: logging in touches the database."""
    headers = [(b"origin", b"http://localhost"), (b"cookie", session_cookie(user))]
    return WebsocketCommunicator(application, f"/ws/reels/{job_id}/", headers=headers)


def queued_reel(session, scene) -> Reel:
    for line in scene.role_lines(scene.mara):
        score(upload_take(session, line, seed=line.position))
    reel, _ = services.reel_request(session=session)
    return reel


@pytest.mark.django_db(transaction=True)
def test_owner_follows_a_reel_and_others_are_refused(learner, other_learner):
    scene = make_scene()
    session = services.scene_session_create(user=learner, script=scene.script, actor=scene.mara)
    reel = queued_reel(session, scene)

    stranger = communicator(reel.job_id, other_learner)
    owner = communicator(reel.job_id, learner)

    async def scenario():
        connected, code = await stranger.connect()
        assert not connected and code == 4404
        connected, _ = await owner.connect()
        assert connected
        first = await owner.receive_json_from()
        assert first["status"] == "queued" and first["session_id"] == str(session.public_id)
        reel.status, reel.stage, reel.progress = ReelStatus.RUNNING, "mix", 40
        await sync_to_async(progress.publish_reel)(reel, session_id=session.public_id)
        assert (await owner.receive_json_from())["progress"] == 40
        reel.status, reel.duration = ReelStatus.READY, 7.5
        await sync_to_async(progress.publish_reel)(reel, session_id=session.public_id)
        final = await owner.receive_json_from()
        assert final["status"] == "ready" and final["duration"] == 7.5
        assert (await owner.receive_output())["type"] == "websocket.close"

    asyncio.run(scenario())


def test_build_reel_job_runs_on_the_media_queue(transactional_db, learner):
    import dramatiq
    from dramatiq import Worker

    from dubbing.tasks import build_reel

    assert build_reel.queue_name == "media"
    scene = make_scene()
    session = services.scene_session_create(user=learner, script=scene.script, actor=scene.mara)
    broker = dramatiq.get_broker()
    for line in scene.role_lines(scene.mara):
        score(upload_take(session, line, seed=line.position))
    broker.flush_all()  # the takes' scoring jobs: scored by hand above
    worker = Worker(broker, worker_timeout=100)
    worker.start()
    try:
        reel, queued = services.reel_request(session=session)
        assert queued
        broker.join("media", fail_fast=True)
        worker.join()
    finally:
        worker.stop()

    reel.refresh_from_db()
    assert reel.status == ReelStatus.READY, reel.error_message
    assert reel.audio_m4a and reel.audio_opus and reel.tries == 1
    assert reel.build_seconds is not None


def test_a_take_deleted_before_the_build_fails_the_reel_with_a_message(session, scene):
    from dubbing import building
    from dubbing.reel import ReelError

    reel = queued_reel(session, scene)
    claimed = services.reel_start(reel_id=reel.pk)
    session.takes.first().attempt.delete()

    with pytest.raises(ReelError, match="deleted"):
        building.reel_build(reel=claimed)
