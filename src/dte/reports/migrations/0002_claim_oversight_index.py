"""A covering index on the claims for the dashboards and the year-end report: every column their
one-pass aggregate reads, in the order it groups by (county, occupation, level, status), so that the
database reads the index in order instead of sorting a million wide rows (``dte.reports.indexes``;
also re-created after every migrate, since SQLite table rebuilds drop it)."""

from django.db import migrations

from dte.reports.indexes import CREATE, DROP


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("subsidy", "0002_certificate_links"),
    ]

    operations = [migrations.RunSQL(sql=CREATE, reverse_sql=DROP)]
