# Written by hand (attendance time rules).
#
# Sessions gain when they were scheduled (created_at) and a back-fill flag and reason; attendance
# records gain a count of manual corrections and the time of the last one.
#
# Existing rows: a session's created_at is taken from its audit entry "training.session.add" (the
# time the service recorded); a session without one keeps it empty (unknown), and no existing
# session is marked back-filled (the rule did not exist when it was scheduled; the anomaly list
# shows only sessions back-filled from now on). An existing manual record (source "manual") counts
# as one correction made at its updated_at, which the correction service set to the correction's
# time.

from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    Session = apps.get_model("training", "Session")
    Attendance = apps.get_model("training", "Attendance")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    created = dict(
        AuditEntry.objects.filter(action="training.session.add", object_type="training.Session")
        .order_by("at")
        .values_list("object_id", "at")
    )
    for s in Session.objects.filter(created_at__isnull=True).only("pk"):
        at = created.get(str(s.pk))
        if at is not None:
            Session.objects.filter(pk=s.pk).update(created_at=at)
    Attendance.objects.filter(source="manual").update(corrections=1, corrected_at=F("updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        ("training", "0004_record_exceptions_and_certificate_issue_time"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="created_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="排课时间"),
        ),
        migrations.AddField(
            model_name="session",
            name="backfilled",
            field=models.BooleanField(default=False, verbose_name="补录课次"),
        ),
        migrations.AddField(
            model_name="session",
            name="backfill_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="补录理由"),
        ),
        migrations.AddField(
            model_name="attendance",
            name="corrections",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="人工更正次数"),
        ),
        migrations.AddField(
            model_name="attendance",
            name="corrected_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="更正时间"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
