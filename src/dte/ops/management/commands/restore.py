from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dte.core.clock import now
from dte.ops.backup import restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `dte backup` into this instance, which must be empty (a new database, "
        "no uploaded files). Every file is checked against the manifest first."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="DIR", help="a directory written by `dte backup`")

    def handle(self, *args, source, **options):
        try:
            result = restore(source=Path(source), at=now())
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        m = result.manifest
        self.stdout.write(
            f"restored the backup of {m['created_at']}: {len(result.row_counts)} tables, "
            f"{sum(m['row_counts'].values())} rows, row counts match the manifest"
        )
        for path in result.keys_installed:
            self.stdout.write(f"key installed: {path} (restart the platform so that it reads it)")
        self.stdout.write("next: `dte audit verify`, then `dte migrate` if this version has newer migrations")
