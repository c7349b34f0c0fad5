"""Command line of the engine: ``dte policy evaluate [FILE]`` and ``dte calendar …``.

The top-level ``dte`` command wires ``policy_main`` and ``calendar_main``; ``python -m dte.policy``
runs them too (``python -m dte.policy evaluate FILE``, ``python -m dte.policy calendar …``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

from dte.policy.calendar import CalendarError, calendar_dir, get_calendar, load_year_file
from dte.policy.engine import claim_error, evaluate
from dte.policy.parameters import ParameterError

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CHUNK = 50_000  # claims decided together; bounds memory on very large inputs


class InputError(ValueError):
    """The input is not JSON at all (exit 2)."""


class _BadLine:
    def __init__(self, line: int, error: json.JSONDecodeError) -> None:
        self.message = f"line {line} is not JSON: {error.msg} (column {error.colno})"


def read_claims(text: str) -> list[Any]:
    """Claims from a JSON object, a JSON array, or JSON Lines (one claim per line)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError("no input: expected a JSON object, a JSON array or JSON Lines")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as first:
        lines = [(no, line) for no, line in enumerate(text.splitlines(), 1) if line.strip()]
        items: list[Any] = []
        parsed = 0
        for no, line in lines:
            try:
                items.append(json.loads(line))
                parsed += 1
            except json.JSONDecodeError as exc:
                items.append(_BadLine(no, exc))
        if parsed == 0 or len(lines) == 1:
            raise InputError(
                f"input is not JSON: {first.msg} (line {first.lineno}, column {first.colno})"
            ) from None
        return items
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    raise InputError(f"expected a JSON object, a JSON array or JSON Lines, got a JSON {type(value).__name__}")


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")


def _evaluate(args: argparse.Namespace) -> int:
    try:
        if args.file in (None, "-"):
            text = sys.stdin.read()
        else:
            text = Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"dte policy evaluate: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"dte policy evaluate: input is not UTF-8 text: {exc.reason}", file=sys.stderr)
        return 2
    try:
        items = read_claims(text)
    except InputError as exc:
        print(f"dte policy evaluate: {exc}", file=sys.stderr)
        return 2
    invalid = False
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        good = [x for x in chunk if not isinstance(x, _BadLine)]
        try:
            decided = iter(evaluate(good))
        except (ParameterError, CalendarError) as exc:
            print(
                f"dte policy evaluate: the policy parameters or calendar are invalid: {exc}", file=sys.stderr
            )
            return 3
        for x in chunk:
            result = claim_error(None, "claim", x.message) if isinstance(x, _BadLine) else next(decided)
            invalid = invalid or "error" in result
            _write(json.dumps(result, ensure_ascii=False))
    return 1 if invalid else 0


def policy_main(argv: list[str]) -> int:
    """``dte policy evaluate [FILE]``: decide claims; exit 0 all decided, 1 some claim invalid,
    2 input not JSON."""
    parser = argparse.ArgumentParser(
        prog="dte policy", description="The subsidy rules of 温人社发〔2024〕5号."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser(
        "evaluate",
        help="decide claims (JSON object, array or JSON Lines) from FILE or standard input",
        description="Writes one JSON decision per claim, one per line, in input order.",
    )
    ev.add_argument("file", nargs="?", help="input file (default: standard input)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return _evaluate(args)


def _date(value: str) -> date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _provisional_note(d: date) -> None:
    print(
        f"provisional: no holiday schedule for {d.year} is loaded; Monday–Friday are taken as working "
        "days (reading W1) — load the year with `dte calendar load FILE`",
        file=sys.stderr,
    )


def calendar_main(argv: list[str]) -> int:
    """``dte calendar is-workday DATE | add-workdays DATE N | load FILE``."""
    parser = argparse.ArgumentParser(prog="dte calendar", description="The working-day calendar.")
    sub = parser.add_subparsers(dest="command", required=True)
    p1 = sub.add_parser("is-workday", help="print true or false")
    p1.add_argument("date", type=_date, help="YYYY-MM-DD")
    p2 = sub.add_parser("add-workdays", help="print the N-th working day after DATE (DATE not counted)")
    p2.add_argument("date", type=_date, help="YYYY-MM-DD")
    p2.add_argument("n", type=int, help="number of working days (negative: before DATE)")
    p3 = sub.add_parser("load", help="add or replace a year of holidays and adjusted working days")
    p3.add_argument("file", help="a year file (YAML, see docs/policy.md)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        if args.command == "load":
            schedule, target = load_year_file(Path(args.file), calendar_dir())
            print(
                f"loaded {schedule.year}: {len(schedule.holidays)} holidays, "
                f"{len(schedule.workdays)} adjusted working days ({schedule.reference}) → {target}"
            )
            return 0
        cal = get_calendar()
        if args.command == "is-workday":
            print("true" if cal.is_workday(args.date) else "false")
            if cal.is_provisional(args.date):
                _provisional_note(args.date)
            return 0
        result = cal.add_workdays(args.date, args.n)
        print(result.value.isoformat())
        if result.provisional:
            _provisional_note(result.value if cal.is_provisional(result.value) else args.date)
        return 0
    except CalendarError as exc:
        print(f"dte calendar {args.command}: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """``python -m dte.policy evaluate … | calendar …``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "calendar":
        return calendar_main(argv[1:])
    if argv and argv[0] == "policy":
        argv = argv[1:]
    return policy_main(argv)
