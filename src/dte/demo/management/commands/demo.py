from django.core.management.base import BaseCommand, CommandError

from dte.accounts.models import User
from dte.catalog.models import Institution
from dte.core import clock
from dte.demo.accounts import ACCOUNTS
from dte.demo.seed import demo_create


class Command(BaseCommand):
    help = "Create one demo account for every role (printed with passwords) and a small demo data set."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when accounts already exist")

    def handle(self, *args, if_empty, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("demo: accounts exist already, nothing created")
            return
        if not Institution.objects.exists():
            raise CommandError("load the reference data first: dte load-reference")
        created = demo_create(at=clock.now())
        self.stdout.write(f"demo: {len(created)} accounts created. Demo accounts (local demo only):")
        for acc in ACCOUNTS:
            self.stdout.write(f"  {acc.role.label:<14} {acc.username:<22} {acc.password}")
