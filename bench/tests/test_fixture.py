from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from bench.fixture import build as build_fixture
from practice.models import Attempt, AttemptStatus, PracticeSession
from scripts.models import Actor, Line, Script

pytestmark = pytest.mark.django_db


def build(tmp_path, **sizes):
    tokens = tmp_path / "tokens.txt"
    options = {"scripts": 3, "lines": 4, "actors": 5, "learners": 2, "attempts": 12, "days": 10}
    build_fixture(tokens=tokens, page_learners=(30, 3), **{**options, **sizes})
    return tokens


def test_fixture_builds_catalogue_learners_and_attempts(tmp_path):
    build(tmp_path)

    scripts = Script.objects.filter(import_key__startswith="bench-")
    assert scripts.count() == 3 and all(s.is_published for s in scripts)
    assert Line.objects.filter(script__in=scripts).count() == 12
    assert not Line.objects.filter(script__in=scripts, reference_audio="").exists()
    assert Actor.objects.filter(name__startswith="Bench actor ").count() == 5
    learners = User.objects.filter(email__startswith="bench-learner-")
    assert learners.count() == 2
    attempts = Attempt.objects.filter(user__in=learners)
    assert attempts.count() == 24
    assert set(attempts.values_list("status", flat=True)) == {AttemptStatus.COMPLETED}
    first = attempts.order_by("created_at").first()
    assert first.created_at < timezone.now() - timedelta(days=1)  # spread over the days
    assert first.detailed_feedback["words"] and 0 <= first.overall <= 100
    assert first.session is not None
    assert PracticeSession.objects.filter(user__in=learners).count() >= 2


def test_fixture_writes_one_long_lived_token_per_learner(tmp_path):
    tokens = build(tmp_path).read_text().split()

    users = {User.objects.get(pk=AccessToken(token)["user_id"]).email for token in tokens}
    lifetime = AccessToken(tokens[0])["exp"] - timezone.now().timestamp()

    assert users == {"bench-learner-1@example.com", "bench-learner-2@example.com"}
    assert lifetime > 11 * 3600


def test_fixture_replaces_its_own_rows_only(tmp_path):
    other = Script.objects.create(title="Keep me", work_title="W", kind="movie")
    build(tmp_path)

    build(tmp_path, scripts=2)

    assert Script.objects.filter(import_key__startswith="bench-").count() == 2
    assert Script.objects.filter(pk=other.pk).exists()
    assert Attempt.objects.count() == 24 + 30 + 3


def test_fixture_builds_the_pages_learners_without_tokens(tmp_path):
    tokens = build(tmp_path).read_text().split()

    heavy = User.objects.get(email="bench-pages-30@example.com")
    light = User.objects.get(email="bench-pages-3@example.com")

    assert Attempt.objects.filter(user=heavy).count() == 30
    assert Attempt.objects.filter(user=light).count() == 3
    assert {AccessToken(token)["user_id"] for token in tokens}.isdisjoint({heavy.pk, light.pk})
