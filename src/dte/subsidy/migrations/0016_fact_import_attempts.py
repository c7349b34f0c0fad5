"""Fact imports are claimed by one run and reclaimed when their consumer dies: each run counts an
attempt and beats as it goes. A job left running before this migration (its consumer gone) beats as
of its upload, so the first reclaim takes it."""

from django.db import migrations, models
from django.db.models import F


def stuck_runs_beat_at_upload(apps, schema_editor):
    FactImport = apps.get_model("subsidy", "FactImport")
    FactImport.objects.filter(status="running", beat_at=None).update(beat_at=F("uploaded_at"), attempts=1)


class Migration(migrations.Migration):
    dependencies = [
        ("subsidy", "0015_open_queue_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="factimport",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="运行次数"),
        ),
        migrations.AddField(
            model_name="factimport",
            name="beat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(stuck_runs_beat_at_upload, migrations.RunPython.noop),
    ]
