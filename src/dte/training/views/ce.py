"""Continuing-education hours: the trainee's yearly statement and the city's table [P4.1]."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from dte.catalog.models import Occupation
from dte.core import clock
from dte.core.permissions import Cap, allows
from dte.training import ce_check, documents, selectors, services
from dte.training.views.common import table_response

CE_BASIS = (
    "依据《温州市数字技术工程师培育项目实施方案》四(一)[P4.1],参加数字技术工程师培育项目的培训学时"
    "登记为参训人当年继续教育专业科目学时。"
)


@allows(Cap.VIEW_OWN_RECORDS)
def ce_statement(request, year: int):
    data = selectors.ce_statement(actor=request.user, year=year)
    return render(
        request,
        "training/ce_statement.html",
        {
            **data,
            "person": request.user.person,
            "printed_on": timezone.localdate(clock.now()),
            "basis": CE_BASIS,
            "number": ce_check.statement_number(person_id=request.user.person_id, year=year),
        },
    )


@allows(Cap.VIEW_OWN_RECORDS)
def ce_statement_pdf(request, year: int):
    """The same statement as a PDF with the certificates' embedded CJK font [P4.1]."""
    data = selectors.ce_statement(actor=request.user, year=year)
    person = request.user.person
    number = ce_check.statement_number(person_id=person.pk, year=year)
    doc = documents.CEStatementDoc(
        year=year,
        holder_name=person.name,
        holder_id_masked=person.masked_id_number,
        lines=[
            documents.CreditLine(
                subject=c.subject,
                institution=c.certificate.institution.name,
                certificate_number=c.certificate.number,
                credited_on=c.credited_on,
                hours=str(c.hours),
            )
            for c in data["credits"]
        ],
        total=str(data["total"]),
        printed_on=timezone.localdate(clock.now()),
        basis=CE_BASIS,
        number=number,
        verify_url=request.build_absolute_uri(reverse("training:ce_verify", args=[number])),
    )
    response = HttpResponse(documents.ce_statement_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{number}.pdf"'
    return response


def ce_verify(request, number: str):
    """Public check of a continuing-education statement by its number (the PDF's QR code) [P4.1]:
    the year, the holder's masked name and the hours registered now."""
    statement = ce_check.statement_by_number(number)
    if statement is None:
        raise Http404("未找到该继续教育学时证明,可能为伪造,请核实")
    return render(request, "training/ce_verify.html", {"s": statement})


CE_COLUMNS = [
    "年度",
    "姓名",
    "身份证号",
    "职业编码",
    "职业",
    "等级",
    "培训机构",
    "证书编号",
    "登记日期",
    "学时",
]


def _year_param(request, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


@allows(Cap.SUPERVISE_CITY)
def ce_hours(request):
    """CE hours by year and occupation for the city officer and the auditor [P4.1]; ``format=csv``
    or ``format=xlsx`` exports them with full ID numbers (the export is recorded in the audit log)."""
    today = timezone.localdate(clock.now())
    year = _year_param(request, today.year)
    occupation = request.GET.get("occupation", "")
    credits = list(selectors.ce_hours(actor=request.user, year=year, occupation=occupation))
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        rows = [
            [
                c.year,
                c.person.name,
                c.person.id_number,
                c.certificate.occupation.code,
                c.certificate.occupation.name,
                c.certificate.level.name,
                c.certificate.institution.name,
                c.certificate.number,
                c.credited_on.isoformat(),
                float(c.hours) if fmt == "xlsx" else str(c.hours),
            ]
            for c in credits
        ]
        services.ce_hours_exported(
            actor=request.user, year=year, occupation=occupation, fmt=fmt, rows=len(rows), at=clock.now()
        )
        name = f"ce-hours-{year}" + (f"-{occupation}" if occupation else "")
        return table_response(header=CE_COLUMNS, rows=rows, filename=name, fmt=fmt)
    by_occupation: dict[str, dict] = {}
    for c in credits:
        o = by_occupation.setdefault(
            c.certificate.occupation.code,
            {"occupation": c.certificate.occupation, "people": set(), "hours": 0},
        )
        o["people"].add(c.person_id)
        o["hours"] += c.hours
    years = selectors.ce_years()
    return render(
        request,
        "training/ce_hours.html",
        {
            "credits": credits,
            "year": year,
            "years": sorted({*years, year, today.year}, reverse=True),
            "occupation": occupation,
            "occupations": Occupation.objects.all(),
            "summary": [{**o, "people": len(o["people"])} for o in by_occupation.values()],
            "total": sum((c.hours for c in credits), 0),
            "query": f"year={year}&occupation={occupation}",
        },
    )
