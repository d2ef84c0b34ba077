from django.db import migrations


def add_default_plan(apps, schema_editor):
    Plan = apps.get_model("partners", "Plan")
    # A starting point for the admin: curators edit it or add their own plans.
    Plan.objects.get_or_create(
        name="Trial",
        defaults={
            "requests_per_minute": 60,
            "monthly_audio_seconds": 3600,
            "audio_retention_days": 0,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [migrations.RunPython(add_default_plan, migrations.RunPython.noop)]
