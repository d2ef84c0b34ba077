"""Bodies of the learner's own API (/api/mypage/): bookmarks, dubbed lines, overview,
practice sessions and attempts. Lines appear in the catalogue API's token shape."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from practice.forms import LINE_ORDERS
from practice.models import SCORE_FIELDS, AttemptStatus
from practice.selectors import Overview, RecentAttempt
from scripts.api.serializers import (
    ScriptSummarySerializer,
    TokenDetailSerializer,
    iso_datetime,
    token_detail_body,
)
from scripts.models import Kind
from yousync.api.serializers import StrictSerializerMixin

# Ids are 64-bit: a larger number can name no row, and SQLite overflows on it.
MAX_ID = 2**63 - 1


class ScoresSerializer(serializers.Serializer):
    """Scores by dimension, 0-100; null for a dimension without a score yet."""

    overall = serializers.FloatField(allow_null=True)
    pronunciation = serializers.FloatField(allow_null=True)
    intonation = serializers.FloatField(allow_null=True)
    timing = serializers.FloatField(allow_null=True)
    emotion = serializers.FloatField(allow_null=True)

    def to_representation(self, instance):
        return scores_body(instance)


def scores_body(scores: dict | None) -> dict:
    scores = scores or {}
    return {name: scores.get(name) for name in SCORE_FIELDS}


class LineFilterSerializer(serializers.Serializer):
    """Query filters shared by the lists of lines (the web pages take the same)."""

    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    script = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class DubbedTokenFilterSerializer(LineFilterSerializer):
    order = serializers.ChoiceField(choices=LINE_ORDERS, required=False, default="recent")


class DubbedTokenSerializer(serializers.Serializer):
    """A line the learner has dubbed, with their record on it."""

    token_id = serializers.IntegerField(source="pk")
    token = TokenDetailSerializer(source="*")
    attempt_count = serializers.IntegerField(help_text=_("Attempts not failed."))
    best_overall_score = serializers.FloatField(source="best_overall", allow_null=True)
    last_overall_score = serializers.FloatField(source="last_overall", allow_null=True)
    first_overall_score = serializers.FloatField(source="first_overall", allow_null=True)
    best_scores = ScoresSerializer(help_text=_("The best score of each dimension."))
    last_scores = ScoresSerializer(help_text=_("The latest scored attempt's scores."))
    last_job_id = serializers.UUIDField(allow_null=True)
    last_attempt_at = serializers.DateTimeField()

    def to_representation(self, instance):
        # Written out: see scripts.api.serializers (the declared fields are the schema).
        return {
            "token_id": instance.pk,
            "token": token_detail_body(instance, self.context.get("request")),
            "attempt_count": instance.attempt_count,
            "best_overall_score": instance.best_overall,
            "last_overall_score": instance.last_overall,
            "first_overall_score": instance.first_overall,
            "best_scores": scores_body(instance.best_scores),
            "last_scores": scores_body(instance.last_scores),
            "last_job_id": str(instance.last_job_id) if instance.last_job_id else None,
            "last_attempt_at": iso_datetime(instance.last_attempt_at),
        }


class BookmarkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    token_id = serializers.IntegerField(source="line_id")
    token = TokenDetailSerializer(source="line")
    attempt_count = serializers.IntegerField()
    best_overall_score = serializers.FloatField(source="best_overall", allow_null=True)
    created_at = serializers.DateTimeField()


class BookmarkRequestSerializer(StrictSerializerMixin, serializers.Serializer):
    token_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class TotalsSerializer(serializers.Serializer):
    attempts = serializers.IntegerField(help_text=_("Attempts not failed."))
    scored_attempts = serializers.IntegerField()
    minutes = serializers.FloatField(help_text=_("Recorded minutes."))
    lines_practised = serializers.IntegerField()
    days_practised = serializers.IntegerField()
    best_overall_score = serializers.FloatField(allow_null=True)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    attempts = serializers.IntegerField()
    minutes = serializers.FloatField()


class TodaySerializer(serializers.Serializer):
    minutes = serializers.FloatField()
    goal_minutes = serializers.IntegerField()
    goal_percent = serializers.IntegerField(min_value=0, max_value=100)


class StreakSerializer(serializers.Serializer):
    current = serializers.IntegerField(help_text=_("Days in a row, up to today or yesterday."))
    longest = serializers.IntegerField()
    practised_today = serializers.BooleanField()


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text=_("The Monday."))
    scored_attempts = serializers.IntegerField(source="count")
    averages = ScoresSerializer(source="scores")


class ActivitySerializer(serializers.Serializer):
    """A practice.selectors.RecentAttempt."""

    job_id = serializers.UUIDField()
    token_id = serializers.IntegerField(source="line_id")
    text = serializers.CharField()
    script_id = serializers.IntegerField()
    script_title = serializers.CharField()
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    overall_score = serializers.FloatField(source="overall", allow_null=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return activity_body(instance)


def activity_body(row: RecentAttempt) -> dict:
    return {
        "job_id": str(row.job_id),
        "token_id": row.line_id,
        "text": row.text,
        "script_id": row.script_id,
        "script_title": row.script_title,
        "status": row.status,
        "overall_score": row.overall,
        "created_at": iso_datetime(row.created_at),
    }


class OverviewSerializer(serializers.Serializer):
    """A practice.selectors.Overview, which the overview page shows too."""

    totals = TotalsSerializer()
    averages = ScoresSerializer(help_text=_("Average of each dimension over scored attempts."))
    this_week = PeriodSerializer()
    today = TodaySerializer()
    streak = StreakSerializer()
    weekly = WeekSerializer(many=True, help_text=_("The last 8 weeks, oldest first."))
    recent_activity = ActivitySerializer(many=True, help_text=_("The latest 5 attempts."))

    def to_representation(self, instance: Overview) -> dict:
        # Written out: see scripts.api.serializers (the declared fields are the schema).
        totals, this_week, today, streak = (
            instance.totals,
            instance.this_week,
            instance.today,
            instance.streak,
        )
        return {
            "totals": {
                "attempts": totals.attempts,
                "scored_attempts": totals.scored_attempts,
                "minutes": totals.minutes,
                "lines_practised": totals.lines_practised,
                "days_practised": totals.days_practised,
                "best_overall_score": totals.best_overall,
            },
            "averages": scores_body(instance.averages),
            "this_week": {
                "start": this_week.start.isoformat(),
                "attempts": this_week.attempts,
                "minutes": this_week.minutes,
            },
            "today": {
                "minutes": today.minutes,
                "goal_minutes": today.goal_minutes,
                "goal_percent": today.percent,
            },
            "streak": {
                "current": streak.current,
                "longest": streak.longest,
                "practised_today": streak.practised_today,
            },
            "weekly": [
                {
                    "week": week.week.isoformat(),
                    "scored_attempts": week.count,
                    "averages": scores_body(week.scores),
                }
                for week in instance.weeks
            ],
            "recent_activity": [activity_body(row) for row in instance.recent],
        }


class SessionFilterSerializer(serializers.Serializer):
    script = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class PracticeSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    script = ScriptSummarySerializer()
    started_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    in_progress = serializers.BooleanField()
    attempt_count = serializers.IntegerField()
    lines_practised = serializers.IntegerField()
    average_overall_score = serializers.FloatField(source="average_overall", allow_null=True)
    best_overall_score = serializers.FloatField(source="best_overall", allow_null=True)
    speaking_seconds = serializers.FloatField()


class AttemptFilterSerializer(serializers.Serializer):
    token_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    status = serializers.ChoiceField(choices=AttemptStatus.choices, required=False)


class AttemptSummarySerializer(serializers.Serializer):
    """An attempt without its detailed feedback (GET analysis-result for that)."""

    job_id = serializers.UUIDField()
    token_id = serializers.IntegerField(source="line_id")
    status = serializers.ChoiceField(choices=AttemptStatus.choices)
    pronunciation_score = serializers.FloatField(source="pronunciation", allow_null=True)
    intonation_score = serializers.FloatField(source="intonation", allow_null=True)
    emotion_score = serializers.FloatField(source="emotion", allow_null=True)
    timing_score = serializers.FloatField(source="timing", allow_null=True)
    overall_score = serializers.FloatField(source="overall", allow_null=True)
    duration = serializers.FloatField(help_text=_("Seconds recorded."))
    error_code = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
