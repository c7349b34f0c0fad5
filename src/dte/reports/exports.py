"""The year-end county report [P5.3a] as a bureau files it: XLSX (openpyxl) and PDF (fpdf2, with
an embedded CJK font: the one ``dte.training.documents`` finds, see scripts/ensure-fonts). Laid out
as title, county, year, the two tables with headers and totals, then signature and date lines.

The PDF's time was nearly all fpdf2 reading and subsetting the two CJK faces (tens of thousands of
glyphs each): 1.2 s a PDF (bench/oversight_dashboard.py). Each face is now first cut down to the
characters of the PDF (``_face``: fontTools, once per face and set of characters, kept under
``VAR_DIR/cache/fonts``), so fpdf2 reads and subsets a face of a few hundred glyphs."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from django.conf import settings
from fontTools import subset, ttLib
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from dte.core.spreadsheet import xlsx_set
from dte.reports.models import CountyReport
from dte.reports.selectors import CLAIM_COLUMNS, TRAINING_COLUMNS
from dte.training.documents import cjk_bold_font, cjk_font

TITLE = "数字技术工程师培育项目年度统计报表"
BUREAU = "{county}人力资源和社会保障局"


def _status_line(r: CountyReport) -> str:
    parts = [f"第 {r.version} 版", r.get_status_display()]
    if r.submitted_at:
        parts.append(f"报送时间 {r.submitted_at:%Y-%m-%d}")
    if r.correction_reason:
        parts.append(f"更正理由:{r.correction_reason}")
    return " · ".join(parts)


def _tables(r: CountyReport) -> list[tuple[str, list[str], list[list], list]]:
    f = r.figures
    t_head = ["职业", "等级"] + [label for _, label in TRAINING_COLUMNS]
    t_rows = [[x["occupation"], x["level"]] + [x[k] for k, _ in TRAINING_COLUMNS] for x in f["training"]]
    t_total = ["合计(人,去重)", ""] + [f["training_totals"][k] for k, _ in TRAINING_COLUMNS]
    c_head = ["职业", "等级"] + [label for _, label in CLAIM_COLUMNS]
    c_rows = [[x["occupation"], x["level"]] + [x[k] for k, _ in CLAIM_COLUMNS] for x in f["claims"]]
    c_total = ["合计", ""] + [f["claims_totals"][k] for k, _ in CLAIM_COLUMNS]
    return [
        ("一、培训人数(按职业和等级)", t_head, t_rows, t_total),
        ("二、补贴申领与拨付(按职业和等级)", c_head, c_rows, c_total),
    ]


def xlsx(report: CountyReport) -> bytes:
    f = report.figures
    wb = Workbook()
    ws = wb.active
    ws.title = f"{f['year']}年度"
    width = 2 + max(len(TRAINING_COLUMNS), len(CLAIM_COLUMNS))
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    row = 1
    ws.cell(row=row, column=1, value=f"{f['year']}年度{TITLE}").font = Font(bold=True, size=16)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")
    row += 1
    ws.cell(row=row, column=1, value=f"填报单位:{BUREAU.format(county=f['county']['name'])}(盖章)")
    ws.cell(row=row, column=width - 2, value=f"行政区划代码:{f['county']['code']}")
    row += 1
    ws.cell(row=row, column=1, value=f"统计年度:{f['year']}年1月1日至12月31日   数据截至:{f['as_of']}")
    xlsx_set(ws.cell(row=row, column=width - 2), _status_line(report))
    row += 1
    ws.cell(row=row, column=1, value="依据:《温州市数字技术工程师培育项目实施方案》五、其他事项 [P5.3a]")
    row += 2
    for title, head, rows, total in _tables(report):
        ws.cell(row=row, column=1, value=title).font = bold
        row += 1
        for i, h in enumerate(head, start=1):
            c = ws.cell(row=row, column=i, value=h)
            c.font = bold
            c.border = box
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        row += 1
        for values in [*rows, total]:
            for i, v in enumerate(values, start=1):
                c = ws.cell(row=row, column=i)
                xlsx_set(c, v)  # an occupation's label like "=…" is text, never a formula
                c.border = box
                if i > 2:
                    c.number_format = "#,##0"
                if values is total:
                    c.font = bold
            row += 1
        row += 1
    row += 1
    ws.cell(row=row, column=1, value="填报人:______________")
    ws.cell(row=row, column=4, value="审核人:______________")
    ws.cell(row=row, column=7, value="单位负责人:______________")
    row += 2
    ws.cell(row=row, column=1, value="填报日期:______年____月____日")
    ws.cell(row=row, column=7, value="(单位盖章)")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 8
    for col in range(3, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 15
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FACE_CUT = 1  # how ``_face`` cuts a face: part of each cut's name, raise it when the options change


def _face(path: str, index: int, chars: str) -> Path:
    """The face ``index`` of font file ``path`` with only the glyphs of ``chars`` (and .notdef), its
    outlines without subroutines, as a font file of its own: made once (about as long as one PDF took
    before), then read from ``VAR_DIR/cache/fonts`` by every PDF with the same characters, by every
    worker. fpdf2 then reads and subsets a face of a few hundred glyphs, each drawn without calls."""
    st = os.stat(path)
    text = "".join(sorted(set(chars)))
    made = f"{FACE_CUT}\0{path}\0{index}\0{st.st_size}\0{st.st_mtime_ns}\0{text}"
    key = hashlib.sha256(made.encode()).hexdigest()
    out = Path(settings.VAR_DIR) / "cache" / "fonts" / f"{key[:40]}.otf"
    if not out.exists():
        font = ttLib.TTFont(path, fontNumber=index, lazy=True, recalcTimestamp=False)
        options = {"notdef_outline": True, "desubroutinize": True, "name_IDs": ["*"], "name_languages": ["*"]}
        cut = subset.Subsetter(subset.Options(**options))
        cut.populate(text=text)
        cut.subset(font)
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(f"{out.name}.{os.getpid()}.part")
        font.save(part)
        part.replace(out)  # atomic: another worker reads the whole file or makes its own
    return out


class _Pdf(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.cell(0, 6, f"第 {self.page_no()} 页", align="C")


def _cells(values: list) -> list[str]:
    return [f"{v:,}" if isinstance(v, int) else str(v) for v in values]


SIGN_OFF = [
    (90, "填报人:______________", False),
    (90, "审核人:______________", False),
    (0, "单位负责人:______________", True),
    (180, "填报日期:______年____月____日", False),
    (0, "(单位盖章)", True),
]


def pdf(report: CountyReport) -> bytes:
    f = report.figures
    title = f"{f['year']}年度{TITLE}"
    lines = [
        f"填报单位:{BUREAU.format(county=f['county']['name'])}(盖章)    行政区划代码:{f['county']['code']}",
        f"统计年度:{f['year']}年1月1日至12月31日    数据截至:{f['as_of']}    {_status_line(report)}",
        "依据:《温州市数字技术工程师培育项目实施方案》五、其他事项 [P5.3a]",
    ]
    tables = [(t, head, [_cells(v) for v in [*rows, total]]) for t, head, rows, total in _tables(report)]
    # Every character drawn (the page footer's too), for the faces cut down to them.
    drawn = [title, *lines, "第 页0123456789", *(text for _, text, _ in SIGN_OFF)]
    drawn += [t + "".join(head) + "".join("".join(r) for r in rows) for t, head, rows in tables]
    doc = _Pdf(orientation="L", unit="mm", format="A4")
    doc.add_font("cjk", "", _face(*cjk_font(), "".join(drawn)))
    doc.add_font("cjk", "B", _face(*cjk_bold_font(), "".join(h for _, head, _ in tables for h in head)))
    for face in doc.fonts.values():
        # The cut-down face's bounding boxes (made by ``_face``) hold for any subset of it: not drawn
        # again glyph by glyph when fpdf2 writes its subset (half of the time left).
        face.ttfont.recalcBBoxes = False
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    doc.set_font("cjk", size=16)
    doc.cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10)
    for line in lines:
        doc.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    usable = doc.w - doc.l_margin - doc.r_margin
    for t, head, rows in tables:
        doc.set_font("cjk", size=11)
        doc.cell(0, 8, t, new_x="LMARGIN", new_y="NEXT")
        doc.set_font("cjk", size=8)
        first, second = 52, 14
        rest = (usable - first - second) / (len(head) - 2)
        widths = [first, second] + [rest] * (len(head) - 2)
        with doc.table(
            col_widths=widths, text_align=["LEFT", "LEFT"] + ["RIGHT"] * (len(head) - 2), line_height=5
        ) as table:
            table.row(head)
            for cells in rows:
                table.row(cells)
        doc.ln(4)
    doc.set_font("cjk", size=10)
    doc.ln(6)
    for width, text, last in SIGN_OFF:
        if last:
            doc.cell(width, 8, text, new_x="LMARGIN", new_y="NEXT")
        else:
            doc.cell(width, 8, text)
    return bytes(doc.output())
