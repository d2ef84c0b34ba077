"""The API against its own OpenAPI schema: schemathesis, in process, every operation.

The schema is the one the app serves at /api/schema/, so new endpoints are fuzzed as soon
as they are documented. Each operation gets a fixed number of generated requests (valid
ones and deliberately invalid ones), sent through the WSGI application as a signed-in
learner who owns some attempts; path ids are drawn from the seeded rows as well as at
random, so detail endpoints answer 200 as well as 404. Every answer must be: no 5xx, a
status code the schema lists, the content type it lists, and a body matching its schema.

Left out: the SSE progress stream (an endless text/event-stream; practice/tests/test_sse*.py
test it). Kept but shallow: the webhook refuses every request here (401: none carries a
valid HMAC signature; practice/tests/test_webhook.py tests its bodies), and the generated
"recordings" sent to upload-audio are never audio (415/400; practice/tests test real ones).
About 40 s for ~20 operations on two cores; EXAMPLES_PER_OPERATION sets the depth.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tests.factories import UserFactory
from practice.models import AttemptStatus
from practice.tests.conftest import saved_attempt
from scripts.tests.factories import LineFactory
from yousync.wsgi import application

EXAMPLES_PER_OPERATION = 25
NOT_FUZZED = r"^/api/tokens/analysis-progress/"  # text/event-stream that stays open

# Ids of the rows the `seeded` fixture made, by path parameter name (while a test runs).
SEEDED_IDS: dict[str, list] = {}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def one_test_transaction():
    """Requests go straight to the WSGI handler, which would close the test's connection
    after each one (and so end its transaction); Django's test client skips that too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANALYSIS_WEBHOOK_SECRET = "fuzz-secret"
    # Configured, so that made-up ID tokens are refused (401) rather than the whole
    # endpoint being unavailable (503); no key set is ever fetched for them.
    settings.GOOGLE_CLIENT_IDS = ["fuzz.apps.googleusercontent.com"]
    settings.GOOGLE_JWKS_URL = "http://127.0.0.1:9/certs"
    learner = UserFactory(verified=True)
    line = LineFactory()
    LineFactory(script=line.script)
    done = saved_attempt(
        learner,
        line,
        status=AttemptStatus.COMPLETED,
        stage="done",
        progress=100,
        pronunciation=81.5,
        intonation=70.0,
        emotion=64.0,
        timing=92.0,
        overall=77.0,
        detailed_feedback={"tips": ["Stress 'never'."], "words": []},
    )
    queued = saved_attempt(learner, line)
    SEEDED_IDS.update(
        id=[line.pk, line.script.pk],
        token_id=[line.pk],
        job_id=[str(done.job_id), str(queued.job_id)],
    )
    yield {"learner": learner}
    SEEDED_IDS.clear()


# Loaded at collection time (schemathesis' lazy fixture loader does not run on pytest 9):
# the schema view needs neither the database nor a signed-in user.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application).exclude(path_regex=NOT_FUZZED)
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, database="none")


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Often an id of a row that exists (and belongs to the learner), else the random one.
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *SEEDED_IDS.get(name, [])])
            for name, value in path_parameters.items()
        }
    )


@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_as_its_schema_says(case, seeded, one_test_transaction):
    token = AccessToken.for_user(seeded["learner"])

    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
