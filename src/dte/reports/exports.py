"""The year-end county report [P5.3a] as a bureau files it: XLSX (openpyxl) and PDF (fpdf2, with
an embedded CJK font: the one ``dte.training.documents`` finds, see scripts/ensure-fonts). Laid out
as title, county, year, the two tables with headers and totals, then signature and date lines."""

from __future__ import annotations

import io

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


class _Pdf(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.cell(0, 6, f"第 {self.page_no()} 页", align="C")


def pdf(report: CountyReport) -> bytes:
    f = report.figures
    path, index = cjk_font()
    doc = _Pdf(orientation="L", unit="mm", format="A4")
    doc.add_font("cjk", "", path, collection_font_number=index)
    bold_path, bold_index = cjk_bold_font()
    doc.add_font("cjk", "B", bold_path, collection_font_number=bold_index)
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    doc.set_font("cjk", size=16)
    doc.cell(0, 10, f"{f['year']}年度{TITLE}", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10)
    doc.cell(
        0,
        6,
        f"填报单位:{BUREAU.format(county=f['county']['name'])}(盖章)    行政区划代码:{f['county']['code']}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.cell(
        0,
        6,
        f"统计年度:{f['year']}年1月1日至12月31日    数据截至:{f['as_of']}    {_status_line(report)}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.cell(
        0,
        6,
        "依据:《温州市数字技术工程师培育项目实施方案》五、其他事项 [P5.3a]",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.ln(2)
    usable = doc.w - doc.l_margin - doc.r_margin
    for title, head, rows, total in _tables(report):
        doc.set_font("cjk", size=11)
        doc.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        doc.set_font("cjk", size=8)
        first, second = 52, 14
        rest = (usable - first - second) / (len(head) - 2)
        widths = [first, second] + [rest] * (len(head) - 2)
        with doc.table(
            col_widths=widths, text_align=["LEFT", "LEFT"] + ["RIGHT"] * (len(head) - 2), line_height=5
        ) as table:
            table.row(head)
            for values in [*rows, total]:
                table.row([f"{v:,}" if isinstance(v, int) else str(v) for v in values])
        doc.ln(4)
    doc.set_font("cjk", size=10)
    doc.ln(6)
    doc.cell(90, 8, "填报人:______________")
    doc.cell(90, 8, "审核人:______________")
    doc.cell(0, 8, "单位负责人:______________", new_x="LMARGIN", new_y="NEXT")
    doc.cell(180, 8, "填报日期:______年____月____日")
    doc.cell(0, 8, "(单位盖章)", new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())
