from django.core.management.base import BaseCommand, CommandError

from dte.audit.services import verify


class Command(BaseCommand):
    help = "Audit log tools: `verify` recomputes the hash chain and names the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        r = verify()
        if r.ok:
            self.stdout.write(f"audit log OK: {r.checked} entries, chain intact")
            return
        raise CommandError(
            f"audit log BROKEN at entry #{r.first_broken}: {r.problem} "
            f"({r.checked} entries before it verified)"
        )
