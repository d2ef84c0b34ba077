"""The partner API against its own OpenAPI schema (schemathesis, in process), with a valid
API key: every /api/v1/ operation, generated valid and invalid requests; no 5xx, and each
answer's status, content type and body as documented. (yousync/tests/test_api_schema_fuzz.py
sends the same operations a learner's JWT, which they refuse with a documented 401.)"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from partners.models import JobStatus, PartnerJob
from partners.tests.factories import make_key, make_partner
from scripts.tests.factories import LineFactory
from yousync.wsgi import application

EXAMPLES_PER_OPERATION = 25
SEEDED_IDS: dict[str, list] = {}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def one_test_transaction():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    partner = make_partner(requests_per_minute=100_000)
    key, secret = make_key(partner)
    line = LineFactory()
    job = PartnerJob.objects.create(
        partner=partner,
        key=key,
        line=line,
        text=line.text,
        language="en",
        reference="actor",
        content_type="audio/wav",
        audio_seconds=2.5,
        status=JobStatus.COMPLETED,
        pronunciation=80.0,
        intonation=70.0,
        timing=90.0,
        emotion=60.0,
        overall=76.0,
        detailed_feedback={"tips": [{"dimension": "timing", "en": "Slow down.", "ko": "천천히."}]},
        finished_at=timezone.now(),
        latency_ms=800,
    )
    SEEDED_IDS.update(job_id=[str(job.job_id)])
    yield {"secret": secret}
    SEEDED_IDS.clear()


schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    path_regex=r"^/api/v1/"
)
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, database="none")


@schema.hook
def flatmap_path_parameters(context, path_parameters):
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
def test_partner_api_answers_as_its_schema_says(case, seeded, one_test_transaction):
    case.call_and_validate(headers={"X-API-Key": seeded["secret"]}, checks=CHECKS)
