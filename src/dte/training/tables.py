"""Reading uploaded tables (CSV or XLSX) into rows keyed by header, each with its line number, for
the all-or-nothing imports of attendance and results."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError

from dte.core.bounds import IMPORT_BYTES_MAX, IMPORT_TOO_LARGE

MAX_ROWS = 20000


@dataclass
class Row:
    line: int
    values: dict[str, object]

    def text(self, key: str) -> str:
        v = self.values.get(key)
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()


@dataclass
class ImportReport:
    """The outcome of one import: nothing is written unless ``errors`` is empty."""

    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    # Rows written but flagged for review (line number, reason); they do not stop the import.
    warnings: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, reason: str) -> None:
        self.errors.append((line, reason))

    def warn(self, line: int, reason: str) -> None:
        self.warnings.append((line, reason))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"line": line, "reason": reason} for line, reason in self.errors],
            "warnings": [{"line": line, "reason": reason} for line, reason in self.warnings],
        }


def read_table(*, content: bytes, filename: str, required: list[str]) -> list[Row]:
    """Rows of a CSV (UTF-8, with or without BOM; GB18030 accepted) or XLSX file. The first row is
    the header; line numbers count it as line 1, as a spreadsheet shows them. A file over
    ``IMPORT_BYTES_MAX`` is refused unread."""
    if len(content) > IMPORT_BYTES_MAX:
        raise ValidationError({"file": IMPORT_TOO_LARGE})
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif name.endswith(".csv"):
        rows = _csv_rows(content)
    else:
        raise ValidationError({"file": "请上传 CSV 或 XLSX 文件"})
    if not rows:
        raise ValidationError({"file": "文件为空"})
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [h for h in required if h not in header]
    if missing:
        raise ValidationError({"file": f"第1行表头缺少列:{'、'.join(missing)}"})
    out = []
    for i, raw in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in raw):
            continue
        out.append(
            Row(line=i, values={h: (raw[j] if j < len(raw) else None) for j, h in enumerate(header) if h})
        )
    if len(out) > MAX_ROWS:
        raise ValidationError({"file": f"单个文件最多 {MAX_ROWS} 行"})
    return out


def _csv_rows(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError({"file": "无法识别文件编码,请使用 UTF-8"})
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise ValidationError({"file": "无法读取 XLSX 文件"}) from exc
    ws = wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def parse_datetime(value: object, tz) -> datetime | None:
    """A local date-time from a cell: a datetime (XLSX) or text like 2025-03-10 09:00[:00]."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    text = str(value or "").strip().replace("/", "-").replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return None


def parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip().replace("/", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
