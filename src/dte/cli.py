"""The ``dte`` command: platform commands, the policy engine, and Django's own commands.

``dte policy …`` and ``dte calendar …`` run the pure policy engine without starting Django."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "serve": "serve the platform with granian (WSGI workers) and the task consumer on 127.0.0.1:8000",
    "migrate": "create or update the database tables",
    "load-reference": "load occupations, levels, institutions, designations, counties (idempotent)",
    "demo": "create one demo account per role and a small demo data set (--if-empty: first time only)",
    "demo_oversight": "add two years of demo history for dashboards, reports and supervision (once)",
    "audit": "audit log: `dte audit verify` checks the hash chain and names the first broken entry",
    "policy": "policy engine: `dte policy evaluate [FILE]` decides claims (JSON in, JSON Lines out)",
    "calendar": "working days: `dte calendar is-workday DATE | add-workdays DATE N | load FILE`",
    "parameters": "policy versions: `dte parameters preview DRAFT.yaml | propose | approve ID | list`",
    "subsidy": "claims: `dte subsidy jobs | import | token | redecide` (jobs, fact imports, API tokens)",
    "reports": "`dte reports rebuild`: recount the dashboards' rollups from the claims (also nightly)",
    "backup": "`dte backup DIR [--with-keys]`: consistent copy of database and uploads, with a manifest",
    "restore": "`dte restore DIR`: restore a backup into an empty instance (checksums verified first)",
    "keys": "data keys: `dte keys rotate [--resume] [--batch N] | status` (re-encrypt with a new version)",
}

USAGE = (
    "usage: dte COMMAND [ARGS]\n\ncommands:\n"
    + "\n".join(f"  {name:<15} {text}" for name, text in COMMANDS.items())
    + "\n  (any Django management command, e.g. createsuperuser, shell, collectstatic, check)\n"
)


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dte.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dte", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "policy":
        from dte.policy.cli import policy_main

        return policy_main(rest)
    if command == "calendar":
        from dte.policy.cli import calendar_main

        return calendar_main(rest)
    if command in ("load-reference", "load_reference"):
        return _django(["load_reference", *rest])
    return _django([command, *rest])


def entry() -> None:
    # Files the platform creates (database, keys, uploads, backups) are readable by its own user only;
    # the processes `dte serve` starts inherit this.
    os.umask(0o077)
    sys.exit(main())


if __name__ == "__main__":
    entry()
