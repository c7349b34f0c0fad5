"""Lists that scale: one component for sorting, filters, pagination and Excel export.

A view declares its list once (``ListSpec``: the columns, which of them sort and by which fields, the
filters it accepts) and reads the request through it (``Listing``):

- ``?sort=col`` / ``?sort=-col``: only a declared sortable column; anything else is the default order;
- filters: ``Choice`` (a status, a county: one of its values, else ignored), ``DateRange``
  (``<name>_from`` / ``<name>_to``, ISO dates; a bad date is ignored), ``Text`` (contains, over one or
  more fields);
- ``?page=``: Django's ``Paginator``; a page beyond the last is the last;
- ``?export=xlsx``: the current filter's rows in the current order, all pages, at most
  ``ListSpec.export_cap`` rows, through ``dte.core.spreadsheet`` (formula-like text stays text), the
  file named with the date. An export carrying personal data is audited by the caller's service
  (``dte.core`` writes nothing).

The shared template ``web/_list_controls.html`` renders the filter form, the sort headers and the pager
with the export link from a ``Listing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict

from dte.core.bounds import page_number
from dte.core.spreadsheet import xlsx_bytes

EXPORT_CAP = 50_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_MAX = 100  # a search text longer than this is cut: no one types more, and LIKE on more is waste


@dataclass(frozen=True)
class Column:
    """A column of the list: its key in ``?sort=``, its header, and the fields it orders by (none: not
    sortable). The list's own tie-breaker (``ListSpec.default``'s last field) follows every sort."""

    key: str
    label: str
    order: tuple[str, ...] = ()

    @property
    def sortable(self) -> bool:
        return bool(self.order)


@dataclass(frozen=True)
class Choice:
    """One value of a declared set (``choices``: value, label), matched on ``field``."""

    name: str
    label: str
    field: str
    choices: Sequence[tuple[str, str]]
    kind: str = "choice"

    def chosen(self, params: QueryDict) -> str:
        value = params.get(self.name, "")
        return value if value and value in {str(v) for v, _ in self.choices} else ""

    def apply(self, qs: QuerySet, params: QueryDict) -> QuerySet:
        value = self.chosen(params)
        return qs.filter(**{self.field: value}) if value else qs

    def keep(self, row: dict[str, Any], params: QueryDict) -> bool:
        value = self.chosen(params)
        return not value or str(row.get(self.field)) == value


@dataclass(frozen=True)
class DateRange:
    """``<name>_from`` and ``<name>_to``, both inclusive, on a date field (``field__date`` for a
    timestamp)."""

    name: str
    label: str
    field: str
    kind: str = "dates"

    def bounds(self, params: QueryDict) -> tuple[date | None, date | None]:
        return _date(params.get(f"{self.name}_from")), _date(params.get(f"{self.name}_to"))

    def keep(self, row: dict[str, Any], params: QueryDict) -> bool:
        start, end = self.bounds(params)
        value = row.get(self.field)
        return (not start or (value is not None and value >= start)) and (
            not end or (value is not None and value <= end)
        )

    def apply(self, qs: QuerySet, params: QueryDict) -> QuerySet:
        start, end = self.bounds(params)
        if start:
            qs = qs.filter(**{f"{self.field}__gte": start})
        if end:
            qs = qs.filter(**{f"{self.field}__lte": end})
        return qs


@dataclass(frozen=True)
class Text:
    """Free text, contained (case-insensitive) in any of ``fields``."""

    name: str
    label: str
    fields: tuple[str, ...]
    kind: str = "text"

    def value(self, params: QueryDict) -> str:
        return params.get(self.name, "").strip()[:TEXT_MAX]

    def keep(self, row: dict[str, Any], params: QueryDict) -> bool:
        text = self.value(params).casefold()
        return not text or any(text in str(row.get(f) or "").casefold() for f in self.fields)

    def apply(self, qs: QuerySet, params: QueryDict) -> QuerySet:
        text = self.value(params)
        if not text:
            return qs
        q = Q()
        for f in self.fields:
            q |= Q(**{f"{f}__icontains": text})
        return qs.filter(q)


Filter = Choice | DateRange | Text


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class ListSpec:
    columns: tuple[Column, ...]
    default: tuple[str, ...]  # the order without ?sort=, its last field unique (the tie-breaker)
    filters: tuple[Filter, ...] = ()
    per_page: int = 50
    export_cap: int = EXPORT_CAP
    export_name: str = ""  # the file's stem ("claims-queue" → claims-queue-2026-12-05.xlsx); none: no export
    unit: str = "条"  # the pager's count: 共 12 条 (the queue counts claims: 件)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key and c.sortable), None)


@dataclass
class SortHeader:
    label: str
    href: str = ""  # empty: not sortable
    direction: str = ""  # "ascending" / "descending" when the list is sorted by it (aria-sort)


@dataclass
class Listing:
    """A request's view of a declared list. Build it with ``Listing(spec, request.GET)``, then
    ``filter(qs)`` and ``order(qs)`` (or ``sorted(qs)`` for both), ``paginate(rows)``; ``export``
    says whether the request asked for the file."""

    spec: ListSpec
    params: QueryDict
    sort: str = field(init=False)
    page: Page | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        asked = self.params.get("sort", "")
        self.sort = asked if self.spec.column(asked.removeprefix("-")) else ""

    # -- reading --------------------------------------------------------------------------------
    @property
    def export(self) -> bool:
        return bool(self.spec.export_name) and self.params.get("export") == "xlsx"

    def filter(self, qs: QuerySet) -> QuerySet:
        for f in self.spec.filters:
            qs = f.apply(qs, self.params)
        return qs

    def filter_rows(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The same filters over rows already read (dicts keyed by each filter's field)."""
        return [r for r in rows if all(f.keep(r, self.params) for f in self.spec.filters)]

    def ordering(self) -> tuple[str, ...]:
        if not self.sort:
            return self.spec.default
        col = self.spec.column(self.sort.removeprefix("-"))
        assert col is not None
        desc = self.sort.startswith("-")
        fields = tuple(_flip(f) if desc else f for f in col.order)
        tie = self.spec.default[-1]
        return fields if tie.lstrip("-") in {f.lstrip("-") for f in fields} else (*fields, tie)

    def order(self, qs: QuerySet) -> QuerySet:
        return qs.order_by(*self.ordering())

    def sorted(self, qs: QuerySet) -> QuerySet:
        return self.order(self.filter(qs))

    def paginate(self, rows: QuerySet | Sequence[Any]) -> Page:
        paginator = Paginator(rows, self.spec.per_page, allow_empty_first_page=True)
        self.page = paginator.page(page_number(self.params.get("page"), paginator.num_pages))
        return self.page

    def export_rows(self, rows: QuerySet | Sequence[Any]) -> Any:
        return rows[: self.spec.export_cap]

    # -- links ----------------------------------------------------------------------------------
    def href(self, **changes: str) -> str:
        """This list's query string with ``changes`` (an empty value removes the key)."""
        q = self.params.copy()
        for k, v in changes.items():
            q.pop(k, None)
            if v:
                q[k] = v
        for k in ("export", "_"):
            q.pop(k, None)
        return "?" + q.urlencode() if q else "?"

    @property
    def headers(self) -> list[SortHeader]:
        out = []
        for c in self.spec.columns:
            if not c.sortable:
                out.append(SortHeader(c.label))
                continue
            direction = ""
            if self.sort.removeprefix("-") == c.key:
                direction = "descending" if self.sort.startswith("-") else "ascending"
            nxt = c.key if direction != "ascending" else f"-{c.key}"
            out.append(SortHeader(c.label, self.href(sort=nxt, page=""), direction))
        return out

    @property
    def export_href(self) -> str:
        if not self.spec.export_name:
            return ""
        return self.href(page="") + ("&" if self.href(page="") != "?" else "") + "export=xlsx"

    def page_href(self, number: int) -> str:
        return self.href(page=str(number) if number > 1 else "")

    @property
    def previous_href(self) -> str:
        return (
            self.page_href(self.page.previous_page_number()) if self.page and self.page.has_previous() else ""
        )

    @property
    def next_href(self) -> str:
        return self.page_href(self.page.next_page_number()) if self.page and self.page.has_next() else ""

    @property
    def filter_fields(self) -> list[dict[str, Any]]:
        """What the filter form shows: each declared filter with its current value(s)."""
        out: list[dict[str, Any]] = []
        for f in self.spec.filters:
            item: dict[str, Any] = {"name": f.name, "label": f.label, "kind": f.kind}
            if isinstance(f, Choice):
                item["choices"] = [(str(v), lab) for v, lab in f.choices]
                item["value"] = self.params.get(f.name, "")
            elif isinstance(f, DateRange):
                start, end = f.bounds(self.params)
                item["start"], item["end"] = (
                    start.isoformat() if start else "",
                    end.isoformat() if end else "",
                )
            else:
                item["value"] = f.value(self.params)
            out.append(item)
        return out

    @property
    def kept(self) -> list[tuple[str, str]]:
        """The query's keys the filter form does not show (the sort), kept as hidden inputs."""
        shown = {"page", "export"}
        for f in self.spec.filters:
            shown |= {f.name, f"{f.name}_from", f"{f.name}_to"} if isinstance(f, DateRange) else {f.name}
        return [(k, v) for k, v in self.params.items() if k not in shown]

    @property
    def query(self) -> str:
        return urlencode([(k, v) for k, v in self.params.items() if k not in ("page", "export")])


def _flip(f: str) -> str:
    return f[1:] if f.startswith("-") else f"-{f}"


def xlsx_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, stem: str, on: date, title: str = "Sheet1"
) -> HttpResponse:
    """An XLSX download named ``<stem>-<on>.xlsx`` (formula-like text written as text)."""
    response = HttpResponse(xlsx_bytes(header, rows, title=title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{on.isoformat()}.xlsx"'
    return response


def export_table(
    listing: Listing, rows: QuerySet | Sequence[Any], line: Callable[[Any], Sequence[Any]]
) -> tuple[list[str], list[Sequence[Any]]]:
    """The export's header (the columns' labels) and its lines (``line`` of each row), capped."""
    return [c.label for c in listing.spec.columns], [line(r) for r in listing.export_rows(rows)]
