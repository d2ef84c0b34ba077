"""Redis or S3 down: 503 with Retry-After for the API (its error shape) and the pages
(templates/503.html), a warning line instead of a traceback; other errors stay 500s."""

import logging

import pytest
import redis.exceptions
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from django.core.cache import caches
from django.test import RequestFactory
from django_redis.exceptions import ConnectionInterrupted

from accounts.models import User
from yousync.outages import RETRY_AFTER_SECONDS, outage_of
from yousync.views import server_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(monkeypatch):
    """The cache's client refusing every call, as django-redis does while Redis is down."""

    def refused(self, *args, **kwargs):
        cause = redis.exceptions.ConnectionError("Error 111 connecting to redis:6379.")
        raise ConnectionInterrupted(connection=None) from cause

    for method in ("add", "incr", "get", "set", "get_many", "set_many"):
        monkeypatch.setattr(type(caches["default"]), method, refused)


@pytest.fixture
def learner_client(client):
    user = User.objects.create_user("learner@example.com", "a-long-password-1")
    client.force_login(user)
    return client


def test_outage_of_names_the_service_down_and_nothing_else():
    s3 = EndpointConnectionError(endpoint_url="http://s3:9000/yousync")
    read_timeout = ReadTimeoutError(endpoint_url="http://s3:9000/yousync")
    refused_by_s3 = ClientError({"Error": {"Code": "AccessDenied"}}, "PutObject")
    try:
        try:
            raise redis.exceptions.TimeoutError("Timeout reading from socket")
        except redis.exceptions.TimeoutError as exc:
            raise RuntimeError("wrapped by a library") from exc
    except RuntimeError as exc:
        wrapped = exc

    assert outage_of(redis.exceptions.BusyLoadingError("loading the dataset")) == "redis"
    assert outage_of(wrapped) == "redis"
    assert outage_of(s3) == outage_of(read_timeout) == "storage"
    assert outage_of(refused_by_s3) is None  # an answer, not an outage
    assert outage_of(ValueError("a bug")) is None


def test_api_answers_503_in_its_error_shape_while_redis_is_down(client, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="yousync.outages"):
        response = client.get("/api/scripts/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {
        "detail": "The service is unavailable for a moment. Please try again shortly.",
        "code": "service_unavailable",
    }
    (record,) = [r for r in caplog.records if r.name == "yousync.outages"]
    assert record.getMessage() == "redis unavailable: ConnectionInterrupted"
    assert record.exc_info is None  # a warning line, not a traceback


def test_a_page_answers_the_friendly_503_while_redis_is_down(learner_client, redis_down):
    response = learner_client.get("/me/overview/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "YouSync is back in a moment." in page
    assert "Please try again in a few seconds." in page


def test_handler500_answers_503_for_an_outage_a_middleware_met():
    request = RequestFactory().get("/api/scripts/")
    page = RequestFactory().get("/")
    try:
        raise EndpointConnectionError(endpoint_url="http://s3:9000/yousync")
    except EndpointConnectionError:
        api_response, page_response = server_error(request), server_error(page)
    try:
        raise ValueError("a bug")
    except ValueError:
        bug = server_error(request)

    assert (api_response.status_code, api_response["Retry-After"]) == (
        503,
        str(RETRY_AFTER_SECONDS),
    )
    assert b'"code": "service_unavailable"' in api_response.content
    assert page_response.status_code == 503
    assert b"back in a moment" in page_response.content
    assert bug.status_code == 500
