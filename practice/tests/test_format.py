from datetime import timedelta

import pytest
from django.utils import translation

from practice.templatetags.practice_format import duration, duration_time


@pytest.mark.parametrize(
    ("amount", "english", "korean"),
    [
        (None, "0 s", "0초"),
        (0.4, "0 s", "0초"),
        (42, "42 s", "42초"),
        (59.6, "1 min", "1분"),
        (90, "1 min 30 s", "1분 30초"),
        (599.4, "9 min 59 s", "9분 59초"),
        (690, "12 min", "12분"),  # from 10 minutes on, whole minutes
        (3599, "1 h", "1시간"),
        (3900, "1 h 5 min", "1시간 5분"),
        (7200, "2 h", "2시간"),
        (timedelta(minutes=12, seconds=10), "12 min", "12분"),
    ],
)
def test_duration_reads_as_learners_say_it(amount, english, korean):
    with translation.override("en"):
        in_english = duration(amount)
    with translation.override("ko"):
        in_korean = duration(amount)

    assert (in_english, in_korean) == (english, korean)


def test_duration_of_minutes():
    with translation.override("ko"):
        assert duration(10, "min") == "10분"


def test_duration_time_is_a_time_element_with_an_iso_duration():
    with translation.override("en"):
        assert duration_time(90.2) == '<time datetime="PT90S">1 min 30 s</time>'
        assert duration_time(5, "min") == '<time datetime="PT300S">5 min</time>'
