"""Certificate PDFs (Chinese text, fonts embedded) and QR codes for the public verification pages.

The PDF embeds a subset of a CJK font found on the machine; `scripts/ensure-fonts` installs one
(Debian: fonts-noto-cjk, fonts-wqy-microhei). ``DTE_PDF_FONT`` (path[:face index]) overrides."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import qrcode
from fpdf import FPDF
from qrcode.image.svg import SvgPathImage

# (path, face index in the collection): the Simplified Chinese face of each file.
FONT_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
]
BOLD_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
]


class FontMissing(RuntimeError):
    pass


@cache
def cjk_font() -> tuple[str, int]:
    override = os.environ.get("DTE_PDF_FONT")
    if override:
        path, _, index = override.partition(":")
        return path, int(index or 0)
    for path, index in FONT_CANDIDATES:
        if Path(path).exists():
            return path, index
    raise FontMissing("未找到中文字体,无法生成证书 PDF:请运行 scripts/ensure-fonts (安装 fonts-noto-cjk)")


@cache
def cjk_bold_font() -> tuple[str, int]:
    regular = cjk_font()
    for path, index in BOLD_CANDIDATES:
        if Path(path).exists() and Path(path).parent == Path(regular[0]).parent:
            return path, index
    return regular


def qr_png(url: str, *, box_size: int = 8) -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()


def qr_svg(url: str) -> str:
    img = qrcode.make(url, image_factory=SvgPathImage, box_size=10, border=2)
    return img.to_string(encoding="unicode")


@dataclass(frozen=True)
class CertificateDoc:
    heading: str  # 培训合格证书 | 专业技术等级证书
    number: str
    holder_name: str
    holder_id_masked: str
    body: str  # one paragraph in Chinese
    facts: list[tuple[str, str]]
    issuer: str
    issued_on: date
    verify_url: str
    revoked: bool = False


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


PLATFORM = "温州市数字技术工程师培育项目管理平台"


def _cjk_pdf(*, orientation: str, title: str, author: str) -> FPDF:
    """An A4 document with the embedded CJK font (regular and bold) registered as ``cjk``."""
    regular, bold = cjk_font(), cjk_bold_font()
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator(PLATFORM)
    pdf.add_font("cjk", "", regular[0], collection_font_number=regular[1])
    pdf.add_font("cjk", "B", bold[0], collection_font_number=bold[1])
    return pdf


def certificate_pdf(doc: CertificateDoc) -> bytes:
    """A one-page A4 landscape certificate with its QR code to the verification page."""
    pdf = _cjk_pdf(orientation="L", title=f"{doc.heading} {doc.number}", author=doc.issuer)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    red = (180, 35, 24)
    pdf.set_draw_color(*red)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, 269, 182)

    pdf.set_text_color(*red)
    pdf.set_font("cjk", "B", 30)
    pdf.set_xy(14, 28)
    pdf.cell(269, 14, doc.heading, align="C")
    pdf.set_font("cjk", "", 12)
    pdf.set_text_color(60, 60, 60)
    pdf.set_xy(14, 44)
    pdf.cell(269, 8, "温州市数字技术工程师培育项目", align="C")

    pdf.set_text_color(20, 20, 20)
    pdf.set_font("cjk", "", 15)
    pdf.set_xy(30, 62)
    pdf.multi_cell(170, 10, doc.body)

    y = pdf.get_y() + 4
    pdf.set_font("cjk", "", 12)
    for label, value in [("姓名", doc.holder_name), ("身份证号", doc.holder_id_masked), *doc.facts]:
        pdf.set_xy(30, y)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(32, 8, label)
        pdf.set_text_color(20, 20, 20)
        pdf.cell(140, 8, value)
        y += 8

    pdf.image(io.BytesIO(qr_png(doc.verify_url, box_size=6)), x=220, y=62, w=44, h=44)
    pdf.set_font("cjk", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(208, 107)
    pdf.multi_cell(68, 5, "扫码核验证书真伪与状态", align="C")

    pdf.set_font("cjk", "", 13)
    pdf.set_text_color(20, 20, 20)
    pdf.set_xy(170, 160)
    pdf.cell(100, 8, doc.issuer, align="R")
    pdf.set_xy(170, 169)
    pdf.cell(100, 8, _cn_date(doc.issued_on), align="R")
    pdf.set_font("cjk", "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(30, 180)
    pdf.cell(150, 6, f"证书编号:{doc.number}")
    if doc.revoked:
        pdf.set_text_color(*red)
        pdf.set_font("cjk", "B", 40)
        pdf.set_xy(14, 120)
        pdf.cell(269, 20, "已撤销", align="C")
    return bytes(pdf.output())


@dataclass(frozen=True)
class CreditLine:
    subject: str
    institution: str
    certificate_number: str
    credited_on: date
    hours: str


@dataclass(frozen=True)
class CEStatementDoc:
    """The trainee's continuing-education statement for one year [P4.1]."""

    year: int
    holder_name: str
    holder_id_masked: str
    lines: list[CreditLine]
    total: str
    printed_on: date
    basis: str
    number: str = ""  # CE<year>-<person>-<check> (dte.training.ce_check)
    verify_url: str = ""  # the public check page the QR code opens


def ce_statement_pdf(doc: CEStatementDoc) -> bytes:
    """The statement as an A4 portrait page (more pages if the table is long), with the same embedded
    font as the certificates."""
    pdf = _cjk_pdf(
        orientation="P", title=f"{doc.year}年度继续教育专业科目学时证明 {doc.holder_name}", author=PLATFORM
    )
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("cjk", "B", 18)
    pdf.cell(0, 12, f"{doc.year} 年度继续教育专业科目学时证明", align="C", new_x="LMARGIN", new_y="NEXT")
    if doc.number:
        pdf.set_font("cjk", "", 10)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(0, 6, f"证明编号:{doc.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", "", 11)
    for label, value in (("姓名", doc.holder_name), ("身份证号", doc.holder_id_masked)):
        pdf.set_text_color(90, 90, 90)
        pdf.cell(24, 8, label)
        pdf.set_text_color(20, 20, 20)
        pdf.cell(0, 8, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (52, 50, 36, 26, 26)
    heads = ("培训项目", "培训机构", "证书编号", "完成日期", "学时")
    pdf.set_font("cjk", "B", 10)
    pdf.set_fill_color(238, 238, 238)
    for w, head in zip(widths, heads, strict=True):
        pdf.cell(w, 9, head, border=1, fill=True, align="C")
    pdf.ln()
    pdf.set_font("cjk", "", 9)
    if not doc.lines:
        pdf.cell(sum(widths), 9, "本年度暂无登记学时", border=1, align="C", new_x="LMARGIN", new_y="NEXT")
    for line in doc.lines:
        cells = (
            line.subject,
            line.institution,
            line.certificate_number,
            line.credited_on.isoformat(),
            line.hours,
        )
        for w, text, align in zip(widths, cells, ("L", "L", "C", "C", "R"), strict=True):
            pdf.cell(w, 9, text, border=1, align=align)
        pdf.ln()
    pdf.set_font("cjk", "B", 10)
    pdf.cell(sum(widths[:-1]), 9, "合计", border=1, align="R")
    pdf.cell(widths[-1], 9, doc.total, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("cjk", "", 10)
    pdf.multi_cell(0, 6, doc.basis)
    pdf.ln(4)
    pdf.set_text_color(90, 90, 90)
    printed = f"打印日期:{_cn_date(doc.printed_on)} · {PLATFORM}"
    pdf.cell(0, 6, printed, align="R", new_x="LMARGIN", new_y="NEXT")
    if doc.verify_url:
        _statement_check(pdf, doc)
    return bytes(pdf.output())


def _statement_check(pdf: FPDF, doc: CEStatementDoc) -> None:
    """The QR code to the public check page, with the number beside it, at the foot of the text."""
    if pdf.get_y() + 40 > pdf.h - 20:
        pdf.add_page()
    y = pdf.get_y() + 4
    pdf.image(io.BytesIO(qr_png(doc.verify_url, box_size=6)), x=pdf.l_margin, y=y, w=32, h=32)
    pdf.set_font("cjk", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(pdf.l_margin + 36, y + 8)
    pdf.multi_cell(120, 5, f"扫码核验本证明(编号 {doc.number}),核验页显示平台当前登记的学时。")
