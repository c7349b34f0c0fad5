"""The shared list component (dte.core.lists): sorting against the declared columns, filters from the
declared set, pagination, and the XLSX export of the current filter with formulas kept as text."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from openpyxl import load_workbook

from dte.core import lists
from dte.people.models import Person

SPEC = lists.ListSpec(
    columns=(
        lists.Column("name", "姓名", ("name",)),
        lists.Column("born", "出生日期", ("birth_date",)),
        lists.Column("region", "户籍地区码"),
    ),
    default=("pk",),
    filters=(
        lists.Choice("sex", "性别", "sex", Person.Sex.choices),
        lists.DateRange("born", "出生日期", "birth_date"),
        lists.Text("q", "姓名", ("name",)),
    ),
    per_page=2,
    export_cap=3,
    export_name="people",
)


@pytest.fixture
def people(make_person):
    return [
        make_person("张丙", birth="19900101"),
        make_person("张甲", birth="19850301"),
        make_person("张乙", birth="19950701"),
        make_person("丁甲甲", birth="19700101"),
    ]


def listing(query: str) -> lists.Listing:
    return lists.Listing(SPEC, QueryDict(query))


def names(qs) -> list[str]:
    return [p.name for p in qs]


def test_a_list_is_sorted_by_a_declared_column_either_way_with_the_id_breaking_ties(people):
    assert names(listing("sort=born").sorted(Person.objects.all())) == ["丁甲甲", "张甲", "张丙", "张乙"]
    assert names(listing("sort=-born").sorted(Person.objects.all())) == ["张乙", "张丙", "张甲", "丁甲甲"]
    assert listing("sort=-born").ordering() == ("-birth_date", "pk")


def test_a_column_not_declared_sortable_or_unknown_falls_back_to_the_default_order(people):
    for asked in ("region", "-region", "password", "name;drop", "--name"):
        one = listing(f"sort={asked}")
        assert one.sort == "" and names(one.sorted(Person.objects.all())) == [
            "张丙",
            "张甲",
            "张乙",
            "丁甲甲",
        ]


def test_filters_read_only_their_declared_values(people):
    assert names(listing("q=甲").sorted(Person.objects.all())) == ["张甲", "丁甲甲"]
    assert names(listing("born_from=1985-03-01&born_to=1990-01-01").sorted(Person.objects.all())) == [
        "张丙",
        "张甲",
    ]
    # A value outside the declared set, or a date that is no date, filters nothing.
    assert len(listing("sex=robot&born_from=1990-13-45").sorted(Person.objects.all())) == 4


def test_pages_hold_per_page_rows_and_a_page_past_the_end_is_the_last(people):
    page = listing("sort=name&page=1").paginate(Person.objects.order_by("name"))
    assert page.paginator.num_pages == 2 and len(page) == 2
    last = listing("page=99")
    assert last.paginate(Person.objects.order_by("pk")).number == 2
    assert last.previous_href == "?"
    assert last.next_href == ""


def test_sort_links_keep_the_filter_and_return_to_the_first_page(people):
    one = listing("q=甲&sort=born&page=2")
    born = one.headers[1]
    assert born.direction == "ascending" and "sort=-born" in born.href and "q=" in born.href
    assert "page" not in born.href and one.headers[2].href == ""
    assert (
        one.export_href.endswith("export=xlsx") and "q=" in one.export_href and "page" not in one.export_href
    )


def test_the_export_holds_the_filtered_rows_in_order_up_to_the_cap_with_formulas_kept_as_text(people):
    Person.objects.filter(name="张乙").update(name="=cmd|' /C calc'!A0")
    one = listing("sort=-born&export=xlsx")
    assert one.export
    header, rows = lists.export_table(
        one, one.sorted(Person.objects.all()), lambda p: [p.name, p.birth_date, ""]
    )
    response = lists.xlsx_response(header, rows, stem="people", on=date(2026, 12, 5))
    assert response["Content-Disposition"] == 'attachment; filename="people-2026-12-05.xlsx"'
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0] == ["姓名", "出生日期", "户籍地区码"]
    assert [v[0] for v in values[1:]] == ["=cmd|' /C calc'!A0", "张丙", "张甲"]  # capped at 3
    cell = ws.cell(row=2, column=1)
    assert cell.data_type == "s" and cell.quotePrefix


def test_a_list_without_an_export_name_offers_none():
    plain = lists.Listing(lists.ListSpec(columns=SPEC.columns, default=("pk",)), QueryDict("export=xlsx"))
    assert not plain.export and plain.export_href == ""


def test_the_shared_controls_render_the_filters_headers_and_pager(people):
    one = listing("sort=-born&q=甲")
    one.paginate(one.sorted(Person.objects.all()))
    html = "".join(
        render_to_string("web/_list_controls.html", {"listing": one, "part": part})
        for part in ("filters", "head", "pager")
    )
    assert 'name="sort" value="-born"' in html and 'name="q" value="甲"' in html
    assert 'aria-sort="descending"' in html and "共 2 条" in html and "export=xlsx" in html


def test_the_same_filters_apply_to_rows_already_read():
    rows = [
        {"sex": "male", "birth_date": date(1990, 1, 1), "name": "张甲"},
        {"sex": "female", "birth_date": date(1985, 3, 1), "name": "李乙"},
        {"sex": "female", "birth_date": None, "name": "王甲"},
    ]
    assert [r["name"] for r in listing("q=甲").filter_rows(rows)] == ["张甲", "王甲"]
    assert [r["name"] for r in listing("sex=female&born_to=1989-12-31").filter_rows(rows)] == ["李乙"]
    assert len(listing("sex=robot").filter_rows(rows)) == 3
