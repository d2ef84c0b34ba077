"""The overview's weak words and sounds are mined once per version of the learner's
statistics: kept while nothing changes, mined again after any attempt changes."""

import pytest

from practice import selectors
from practice.tests.factories import AttemptFactory, LineFactory, feedback_for
from yousync.testing import sql_statements

pytestmark = pytest.mark.django_db


def test_weak_spots_are_kept_until_the_learners_attempts_change(learner):
    line = LineFactory(text="I think three things.")
    AttemptFactory(
        user=learner, line=line, detailed_feedback=feedback_for(line.text, scores={"think": 40.0})
    )
    first = selectors.weak_spots(user=learner)

    with sql_statements() as queries:
        again = selectors.weak_spots(user=learner)
    AttemptFactory(
        user=learner, line=line, detailed_feedback=feedback_for(line.text, scores={"three": 30.0})
    )
    after = selectors.weak_spots(user=learner)

    assert [w.text for w in first.words] == ["think"]
    assert again == first
    assert len(queries) == 1  # the statistics version only; the feedback is not read
    assert {w.text for w in after.words} == {"think", "three"}
    assert after.attempts == 2


def test_a_new_learner_has_no_weak_spots_and_costs_one_query(learner):
    with sql_statements() as queries:
        weak = selectors.weak_spots(user=learner)

    assert weak.words == [] and weak.sounds == [] and weak.attempts == 0
    assert len(queries) == 1
