import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from practice.models import Attempt, AttemptStatus
from practice.progress import publish_attempt
from practice.tests.conftest import saved_attempt
from yousync.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def communicator(job_id, user=None) -> WebsocketCommunicator:
    """Built outside the event loop: logging in touches the database."""
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        headers.append((b"cookie", session_cookie(user)))
    return WebsocketCommunicator(application, f"/ws/attempts/{job_id}/", headers=headers)


@pytest.fixture
def attempt(learner, line):
    attempt = saved_attempt(
        learner,
        line,
        status=AttemptStatus.RUNNING,
        stage="alignment",
        progress=30,
    )
    return attempt


def test_consumer_sends_the_owner_the_current_state_then_relays_changes(attempt, learner):
    ws = communicator(attempt.job_id, learner)

    async def scenario():
        connected, _ = await ws.connect()
        first = await ws.receive_json_from(timeout=5)
        attempt.status, attempt.stage, attempt.progress = AttemptStatus.RUNNING, "timing", 75
        await sync_publish(attempt)
        second = await ws.receive_json_from(timeout=5)
        attempt.status, attempt.progress, attempt.overall = AttemptStatus.COMPLETED, 100, 81.5
        await sync_publish(attempt)
        final = await ws.receive_json_from(timeout=5)
        closed = await ws.receive_output(timeout=5)
        await ws.disconnect()
        return connected, first, second, final, closed

    connected, first, second, final, closed = async_to_sync(scenario)()

    assert connected is True
    assert first == {
        "job_id": str(attempt.job_id),
        "status": "running",
        "stage": "alignment",
        "progress": 30,
    }
    assert (second["stage"], second["progress"]) == ("timing", 75)
    assert final["status"] == "completed" and final["scores"]["overall"] == 81.5
    assert closed["type"] == "websocket.close"


async def sync_publish(attempt):
    from asgiref.sync import sync_to_async

    await sync_to_async(publish_attempt)(attempt)


def test_consumer_gives_a_late_subscriber_the_final_state_and_closes(attempt, learner):
    Attempt.objects.filter(id=attempt.id).update(
        status=AttemptStatus.FAILED, error_code="no_speech", error_message="We could not hear you."
    )

    ws = communicator(attempt.job_id, learner)

    async def scenario():
        connected, _ = await ws.connect()
        state = await ws.receive_json_from(timeout=5)
        closed = await ws.receive_output(timeout=5)
        return connected, state, closed

    connected, state, closed = async_to_sync(scenario)()

    assert connected is True
    assert state["status"] == "failed"
    assert state["error"] == "We could not hear you."
    assert closed["type"] == "websocket.close"


@pytest.mark.parametrize("who", ["anonymous", "other"])
def test_consumer_refuses_anyone_but_the_owner(attempt, other_learner, who):
    user = other_learner if who == "other" else None

    ws = communicator(attempt.job_id, user)

    async def scenario():
        connected, code = await ws.connect()
        return connected, code

    connected, code = async_to_sync(scenario)()

    assert connected is False
    assert code == 4404


def test_consumer_refuses_unknown_job_ids_the_same_way(learner):
    import uuid

    ws = communicator(uuid.uuid4(), learner)

    async def scenario():
        return await ws.connect()

    connected, code = async_to_sync(scenario)()

    assert (connected, code) == (False, 4404)
