from django.core.management.base import BaseCommand, CommandError

from dte.catalog.services import reference_load
from dte.core import clock
from dte.policy.parameters import ParameterError


class Command(BaseCommand):
    help = "Load the reference catalogues from the policy parameters (idempotent; reports changes)."

    def handle(self, *args, **options):
        try:
            report = reference_load(at=clock.now())
        except ParameterError as exc:
            raise CommandError(f"reference data rejected, nothing changed: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"added {len(report.added)}, changed {len(report.changed)}")
