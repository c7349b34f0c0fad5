"""``dte parameters …``: policy parameter versions from the command line (issue 18 §4).

dte parameters preview DRAFT.yaml
    the draft decided on the recorded claims: one JSON object; exit 0, 1 for an invalid draft (the
    error names the parameter and date), 2 for a file that is not YAML
dte parameters propose DRAFT.yaml --reason TEXT --document 文号 --as USERNAME
dte parameters approve ID --as USERNAME [--note TEXT]
dte parameters reject ID --reason TEXT --as USERNAME
dte parameters list
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from dte.accounts.models import User
from dte.core import clock
from dte.parameters import preview, services
from dte.parameters.models import ParameterVersion
from dte.policy import parameters

INVALID, NOT_YAML = 1, 2


def read_draft(path: str) -> Any:
    """The draft file's content (exit 2 when it cannot be read as YAML)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        return yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CommandError(f"{path}: not a YAML file ({exc})", returncode=NOT_YAML) from exc


class Command(BaseCommand):
    help = "Policy parameter versions: preview a draft, propose, approve, reject, list"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="cmd", required=True)
        p = sub.add_parser("preview")
        p.add_argument("draft")
        p = sub.add_parser("propose")
        p.add_argument("draft")
        p.add_argument("--reason", required=True)
        p.add_argument("--document", required=True, help="the document's number (文号)")
        p.add_argument("--as", dest="username", required=True)
        p = sub.add_parser("approve")
        p.add_argument("id", type=int)
        p.add_argument("--note", default="")
        p.add_argument("--as", dest="username", required=True)
        p = sub.add_parser("reject")
        p.add_argument("id", type=int)
        p.add_argument("--reason", required=True)
        p.add_argument("--as", dest="username", required=True)
        sub.add_parser("list")

    def handle(self, *args, cmd: str, **opts):
        try:
            getattr(self, f"_{cmd}")(**opts)
        except parameters.ParameterError as exc:
            raise CommandError(str(exc), returncode=INVALID) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages), returncode=INVALID) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=INVALID) from exc

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        return user

    def _preview(self, *, draft: str, **_):
        shown = preview.preview_draft(read_draft(draft), today=clock.today())
        self.stdout.write(json.dumps(shown.summary, ensure_ascii=False, sort_keys=False))

    def _propose(self, *, draft: str, reason: str, document: str, username: str, **_):
        made = services.propose(
            actor=self._user(username),
            draft=read_draft(draft),
            document=document,
            reason=reason,
            at=clock.now(),
        )
        for v in made:
            self.stdout.write(f"{v.pk}\t{v.name}\t{v.start:%Y-%m-%d}\t{v.get_status_display()}")

    def _approve(self, *, id: int, note: str, username: str, **_):
        v = services.approve(actor=self._user(username), version=self._version(id), at=clock.now(), note=note)
        self.stdout.write(
            f"{v.pk}\t{v.name}\t{v.start:%Y-%m-%d}\t{v.get_status_display()}\t{json.dumps(v.effect)}"
        )

    def _reject(self, *, id: int, reason: str, username: str, **_):
        v = services.reject(
            actor=self._user(username), version=self._version(id), reason=reason, at=clock.now()
        )
        self.stdout.write(f"{v.pk}\t{v.name}\t{v.start:%Y-%m-%d}\t{v.get_status_display()}")

    def _version(self, pk: int) -> ParameterVersion:
        v = ParameterVersion.objects.filter(pk=pk).first()
        if v is None:
            raise CommandError(f"no parameter version {pk}", returncode=INVALID)
        return v

    def _list(self, **_):
        rows = ParameterVersion.objects.select_related("proposed_by", "approved_by").order_by("id")
        for v in rows:
            approver = v.approved_by.username if v.approved_by else "-"
            self.stdout.write(
                f"{v.pk}\t{v.name}\t{v.start:%Y-%m-%d}\t{v.status}\t{v.document}\t"
                f"{v.proposed_by.username}\t{approver}"
            )
