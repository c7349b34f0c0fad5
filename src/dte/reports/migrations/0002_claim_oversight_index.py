"""A covering index on the claims for the dashboards and the year-end report: every column their
one-pass aggregate reads, in the order it groups by (county, occupation, level, status), so that the
database reads the index in order instead of sorting a million wide rows. Created here, beside the
queries that need it; it leaves the subsidy app's models untouched."""

from django.db import migrations

INDEX = "reports_claim_oversight"
COLUMNS = (
    "county_id, occupation_id, level_id, status, claim_date, paid_on, amount, reviewed_at, review_due, "
    "decided_at, approval_due, payment_due"
)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("subsidy", "0002_certificate_links"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON subsidy_claim ({COLUMNS})",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
