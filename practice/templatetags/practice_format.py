"""Amounts of time as learners read them: "42 s", "3 min 20 s", "12 min", "1 h 5 min"
(in Korean "42초", "3분 20초", "12분", "1시간 5분"), not "0.7" minutes."""

from datetime import timedelta

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

# Below this many seconds the seconds still matter to a learner (a day's practice is
# often a few minutes of 5-second takes); above it, whole minutes read better.
SECONDS_SHOWN_BELOW = 10 * 60

Amount = float | int | timedelta | None


def _seconds(value: Amount, unit: str) -> int:
    if value is None:
        return 0
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    else:
        seconds = float(value) * (60 if unit == "min" else 1)
    return int(max(0.0, seconds) + 0.5)  # to the nearest second, halves up


@register.filter
def duration(value: Amount, unit: str = "s") -> str:
    """An amount of time in seconds (or minutes with `|duration:"min"`, or a timedelta)."""
    total = _seconds(value, unit)
    if total < 60:
        return gettext("%(seconds)d s") % {"seconds": total}
    if total < SECONDS_SHOWN_BELOW:
        minutes, seconds = divmod(total, 60)
        if seconds:
            return gettext("%(minutes)d min %(seconds)d s") % {
                "minutes": minutes,
                "seconds": seconds,
            }
        return gettext("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod((total + 30) // 60, 60)
    if not hours:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    if not minutes:
        return gettext("%(hours)d h") % {"hours": hours}
    return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


@register.filter
def duration_time(value: Amount, unit: str = "s") -> SafeString:
    """The same in a <time> element whose datetime is the ISO 8601 duration ("PT90S")."""
    return format_html(
        '<time datetime="PT{}S">{}</time>', _seconds(value, unit), duration(value, unit)
    )
