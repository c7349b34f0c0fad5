"""Claims remember whether their due dates are provisional (W1: reckoned over a year whose holiday
schedule was not yet published). Open claims recorded before this migration are marked when one of
their due dates falls in such a year, so that the recomputation finds them once the year is loaded."""

from django.db import migrations, models

DUE_FIELDS = ("review_due", "approval_due", "notice_first_day", "notice_last_day", "payment_due")
CLOSED = ("draft", "rejected", "cancelled", "paid", "withdrawn", "lapsed")


def mark_provisional(apps, schema_editor):
    from dte.policy.calendar import get_calendar

    cal = get_calendar()
    Claim = apps.get_model("subsidy", "Claim")
    marked = []
    for pk, *dues in Claim.objects.exclude(status__in=CLOSED).values_list("pk", *DUE_FIELDS).iterator():
        if any(d is not None and cal.is_provisional(d) for d in dues):
            marked.append(pk)
    for k in range(0, len(marked), 500):
        Claim.objects.filter(pk__in=marked[k : k + 500]).update(dates_provisional=True)


class Migration(migrations.Migration):
    dependencies = [("subsidy", "0006_credit_publication_and_revocation")]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="dates_provisional",
            field=models.BooleanField(default=False, verbose_name="期限为暂定"),
        ),
        migrations.RunPython(mark_provisional, migrations.RunPython.noop),
    ]
