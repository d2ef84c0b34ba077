from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scripts", "0004_guide_voice"),
    ]

    operations = [
        migrations.AddField(
            model_name="script",
            name="song_key",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="song key"),
        ),
    ]
