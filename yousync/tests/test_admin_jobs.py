"""The admin's job list: queue depth and each job's failure rate above django_dramatiq's
task rows."""

import uuid

import dramatiq
import pytest
from django_dramatiq.models import Task

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def task(actor: str, status: str) -> Task:
    message = dramatiq.Message(
        queue_name="default", actor_name=actor, args=(1,), kwargs={}, options={}
    )
    return Task.tasks.create(
        id=uuid.UUID(message.message_id),
        status=status,
        actor_name=actor,
        queue_name="default",
        message_data=message.encode(),
    )


@dramatiq.actor(queue_name="admin-jobs-test")
def waiting_job() -> None:
    pass


def test_the_job_list_shows_queue_depth_and_failure_rate(client):
    broker = dramatiq.get_broker()
    broker.flush_all()
    for _ in range(3):
        waiting_job.send()
    for status in ["done", "done", "done", "failed"]:
        task("score_attempt", status)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/django_dramatiq/task/")
    broker.flush_all()

    html = response.content.decode()
    assert response.status_code == 200
    assert '<tr><td>admin-jobs-test</td><td class="queue-depth">3</td></tr>' in html
    assert (
        '<tr><td>score_attempt</td><td>3</td><td>1</td><td class="failure-rate">25 %</td></tr>'
        in html
    )
