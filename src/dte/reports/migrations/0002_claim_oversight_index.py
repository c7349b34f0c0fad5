"""Formerly: the covering index of the dashboards and the year-end report on the claims, created here
with raw SQL (and re-created after every migrate, since SQLite table rebuilds dropped it). The index
is now declared in ``Claim.Meta.indexes`` and created by subsidy 0005, which first drops the one this
migration made on databases where it ran. Kept, without operations, because it is recorded as applied
on existing databases and 0003 depends on it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("subsidy", "0002_certificate_links"),
    ]

    operations = []
