"""Credit-list entries [A2.7a] get a publication period and can be revoked. Entries recorded before
this migration are given the default period: three years from the decision date (the reading in
``dte.subsidy.payments.credit_publish_until``, for the city to confirm)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _three_years_after(d):
    try:
        return d.replace(year=d.year + 3)
    except ValueError:  # 29 February → 28 February
        return d.replace(year=d.year + 3, day=28)


def fill_publish_until(apps, schema_editor):
    CreditEntry = apps.get_model("subsidy", "CreditEntry")
    for entry in CreditEntry.objects.filter(publish_until__isnull=True).only("pk", "decided_on"):
        entry.publish_until = _three_years_after(entry.decided_on)
        entry.save(update_fields=["publish_until"])


class Migration(migrations.Migration):
    dependencies = [
        ("subsidy", "0005_claim_oversight_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="creditentry",
            name="publish_until",
            field=models.DateField(null=True, verbose_name="公开截止日期"),
        ),
        migrations.RunPython(fill_publish_until, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="creditentry",
            name="publish_until",
            field=models.DateField(verbose_name="公开截止日期"),
        ),
        migrations.AddField(
            model_name="creditentry",
            name="revocation_reason",
            field=models.TextField(blank=True, verbose_name="撤销原因"),
        ),
        migrations.AddField(
            model_name="creditentry",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="撤销时间"),
        ),
        migrations.AddField(
            model_name="creditentry",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="creditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("publish_until__gt", models.F("decided_on"))),
                name="credit_published_after_decision",
            ),
        ),
        migrations.AddConstraint(
            model_name="creditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("revoked_at__isnull", True),
                    models.Q(("revocation_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="credit_revocation_has_reason",
            ),
        ),
    ]
