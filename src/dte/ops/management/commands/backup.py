from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dte.core.clock import now
from dte.ops.backup import backup


class Command(BaseCommand):
    help = (
        "Back up this instance into DIR while it serves: a consistent copy of the database, the uploaded "
        "files and manifest.json (checksums, row counts, migrations). The keys only with --with-keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", metavar="DIR", help="a new (or empty) directory")
        parser.add_argument(
            "--with-keys",
            action="store_true",
            help="also copy SECRET_KEY and the data key (whoever holds the backup can read personal data)",
        )

    def handle(self, *args, target, with_keys, **options):
        try:
            manifest = backup(target=Path(target), at=now(), with_keys=with_keys)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"backup written to {target}: {manifest['database']} database, "
            f"{len(manifest['row_counts'])} tables, {rows} rows, {len(manifest['files'])} files"
        )
        if with_keys:
            self.stderr.write(
                "WARNING: the backup holds the keys (keys/secret_key, keys/data_key): anyone with it can "
                "decrypt the ID numbers and bank accounts. Keep it encrypted and apart from ordinary backups."
            )
        else:
            self.stdout.write(
                "the keys are not in the backup: keep DTE_DATA_KEY (var/data_key) and SECRET_KEY safely apart"
            )
