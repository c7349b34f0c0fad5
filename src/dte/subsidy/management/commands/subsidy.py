"""``dte subsidy …``: the claim jobs from the command line.

dte subsidy jobs                      the scheduled jobs: provisional due dates, notices, reminders
dte subsidy import KIND FILE --as USERNAME
dte subsidy token NAME [--county CODE] --as USERNAME   issue an API token (printed once)
dte subsidy redecide --as USERNAME    re-decide every open claim (after a parameter change)
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from dte.accounts.models import User
from dte.catalog.models import County
from dte.core import clock
from dte.subsidy import facts
from dte.subsidy.services import deadlines, notice, redecide


class Command(BaseCommand):
    help = "Subsidy claims: scheduled jobs, fact imports, API tokens, re-decision"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="cmd", required=True)
        sub.add_parser("jobs")
        p = sub.add_parser("import")
        p.add_argument("kind", choices=sorted(facts.KINDS))
        p.add_argument("file")
        p.add_argument("--as", dest="username", required=True)
        p = sub.add_parser("token")
        p.add_argument("name")
        p.add_argument("--county", default="")
        p.add_argument("--as", dest="username", required=True)
        p = sub.add_parser("redecide")
        p.add_argument("--as", dest="username", required=True)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        return user

    def handle(self, *args, cmd: str, **opts):
        now = clock.now()
        try:
            if cmd == "jobs":
                redated = deadlines.due_dates_recompute(at=now)
                moved = notice.notices_expire(at=now)
                counts = deadlines.deadlines_check(at=now)
                self.stdout.write(
                    f"due dates reckoned again: {redated}; notices ended → payable: {moved}; {counts}"
                )
            elif cmd == "import":
                user = self._user(opts["username"])
                path = Path(opts["file"])
                job = facts.import_queue(
                    actor=user, kind=opts["kind"], filename=path.name, content=path.read_bytes(), at=now
                )
                job = facts.import_run(job_id=job.pk, at=now)
                self.stdout.write(
                    f"{job.get_status_display()}: created {job.created}, updated {job.updated}, "
                    f"unchanged {job.unchanged}"
                )
                for e in job.errors:
                    self.stdout.write(f"  line {e['line']}: {e['message']}")
                if job.status != "done":
                    raise CommandError("import refused; nothing was written")
            elif cmd == "token":
                county = County.objects.filter(code=opts["county"]).first() if opts["county"] else None
                if opts["county"] and county is None:
                    raise CommandError(f"unknown county {opts['county']}")
                _, token = facts.api_token_issue(
                    actor=self._user(opts["username"]), name=opts["name"], county=county, at=now
                )
                self.stdout.write(token)
            elif cmd == "redecide":
                n = redecide.claims_redecide(
                    reason="命令行批量重新判定", at=now, actor=self._user(opts["username"])
                )
                self.stdout.write(f"re-decided; {n} claims changed")
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
