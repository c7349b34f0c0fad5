"""``dte reports …``: the reports' jobs from the command line.

dte reports rebuild       recount the dashboards' rollups from the claims, enrolments and certificates
                          (also nightly, by huey)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from dte.reports import services


class Command(BaseCommand):
    help = "Reports: recount the dashboards' rollups"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="cmd", required=True)
        sub.add_parser("rebuild")

    def handle(self, *args, **opts):
        tallies, dues, stages = services.rollups_rebuild()
        self.stdout.write(f"rollups rebuilt: {tallies} + {dues} + {stages} rows")
