import pytest
from django.db import IntegrityError, transaction

from scripts.models import Line, Script
from scripts.tests.factories import LineFactory, ScriptFactory

pytestmark = pytest.mark.django_db


def _violates(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_line_start_must_precede_end():
    script = ScriptFactory()

    assert _violates(lambda: LineFactory(script=script, start_time=2.0, end_time=2.0))
    assert _violates(lambda: LineFactory(script=script, start_time=3.0, end_time=1.0))
    assert not _violates(lambda: LineFactory(script=script, start_time=0.0, end_time=0.5))


def test_line_start_cannot_be_negative():
    assert _violates(lambda: LineFactory(start_time=-0.1, end_time=1.0))


def test_line_position_is_unique_within_a_script():
    first = LineFactory(position=1)

    assert _violates(lambda: LineFactory(script=first.script, position=1))
    LineFactory(position=1)  # another script may use position 1
    assert Line.objects.filter(position=1).count() == 2


def test_line_text_cannot_be_empty():
    assert _violates(lambda: LineFactory(text=""))


def test_script_difficulty_is_between_one_and_five():
    assert _violates(lambda: ScriptFactory(difficulty=0))
    assert _violates(lambda: ScriptFactory(difficulty=6))
    assert ScriptFactory(difficulty=5).difficulty == 5


def test_script_kind_must_be_known():
    assert _violates(lambda: ScriptFactory(kind="podcast"))


def test_script_import_key_is_unique_when_set():
    ScriptFactory(import_key="demo-a")
    ScriptFactory(import_key="")

    assert _violates(lambda: ScriptFactory(import_key="demo-a"))
    assert not _violates(lambda: ScriptFactory(import_key=""))
    assert Script.objects.filter(import_key="demo-a").count() == 1


def test_line_str_shows_position_and_text():
    line = LineFactory(position=3, text="Hold the door!")

    assert str(line) == "3. Hold the door!"
