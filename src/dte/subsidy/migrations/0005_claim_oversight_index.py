"""The covering index of the dashboards and the year-end report [P5.3a] moves from the reports app
(raw SQL in reports 0002, re-created after every migrate) into ``Claim.Meta.indexes``, so that SQLite
table rebuilds keep it.

One index in the end, whatever the history: on a database where reports 0002 created it, the raw
index is dropped and created again from the model (same name, same columns); on a fresh database the
drop finds nothing (reports 0002 is now a no-op). Reversing this migration leaves the raw index as
reports 0002 had made it."""

from django.db import migrations, models

INDEX = "reports_claim_oversight"
RAW_CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON subsidy_claim (county_id, occupation_id, level_id, status, "
    "claim_date, paid_on, amount, reviewed_at, review_due, decided_at, approval_due, payment_due)"
)


class Migration(migrations.Migration):
    dependencies = [("subsidy", "0004_claim_queue_index")]

    operations = [
        migrations.RunSQL(sql=f"DROP INDEX IF EXISTS {INDEX}", reverse_sql=RAW_CREATE),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                fields=[
                    "county",
                    "occupation",
                    "level",
                    "status",
                    "claim_date",
                    "paid_on",
                    "amount",
                    "reviewed_at",
                    "review_due",
                    "decided_at",
                    "approval_due",
                    "payment_due",
                ],
                name=INDEX,
            ),
        ),
    ]
