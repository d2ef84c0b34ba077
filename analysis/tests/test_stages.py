"""The engine's stages are the ones practice expects, in the same order: practice owns
the attempt's lifecycle (practice.progress.STAGES) and never imports the engine."""

from analysis import engine
from practice import progress
from practice.views import stage_labels


def test_engine_stages_run_in_the_order_the_attempt_lifecycle_names_them():
    engine_stages = list(engine.STAGES)
    lifecycle = [name for name in progress.STAGES if name in engine.STAGES]

    assert lifecycle == engine_stages


def test_every_stage_has_a_label_for_the_pages():
    assert set(progress.STAGES) <= set(stage_labels())
