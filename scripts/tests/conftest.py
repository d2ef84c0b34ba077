import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group

from scripts.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(request, settings, tmp_path):
    """Each test writes its files to its own folder (on S3 runs, to the test bucket).

    Browser tests keep the configured folder: the live server's /media/ view was bound
    to it when the URLs were loaded.
    """
    if not django_settings.AWS_STORAGE_BUCKET_NAME and not request.node.get_closest_marker(
        "browser"
    ):
        settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def curator(db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def stub_worker(transactional_db):
    """A Dramatiq worker thread on the configured broker (StubBroker in unit runs)."""
    import dramatiq
    from dramatiq import Worker

    broker = dramatiq.get_broker()
    broker.flush_all()
    worker = Worker(broker, worker_timeout=100)
    worker.start()
    yield broker
    worker.stop()


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; a Korean request earlier must not leak in."""
    from django.utils import translation

    with translation.override("en"):
        yield
