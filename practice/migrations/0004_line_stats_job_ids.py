"""Line records name the takes behind their best and last scores (history links)."""

from django.db import migrations, models


def fill_job_ids(apps, schema_editor):
    # As practice.learner_stats computes them, for records made before these fields.
    LearnerLineStats = apps.get_model("practice", "LearnerLineStats")
    Attempt = apps.get_model("practice", "Attempt")
    for record in LearnerLineStats.objects.filter(scored_count__gt=0).iterator():
        scored = Attempt.objects.filter(
            user_id=record.user_id, line_id=record.line_id, status="completed"
        )
        record.last_scored_job_id = (
            scored.order_by("-created_at", "-id").values_list("job_id", flat=True).first()
        )
        record.best_job_id = (
            scored.filter(overall__isnull=False)
            .order_by("-overall", "-created_at", "-id")
            .values_list("job_id", flat=True)
            .first()
        )
        record.save(update_fields=["best_job_id", "last_scored_job_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0003_learner_day_score_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="learnerlinestats",
            name="best_job_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="learnerlinestats",
            name="last_scored_job_id",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.RunPython(fill_job_ids, migrations.RunPython.noop, elidable=True),
    ]
