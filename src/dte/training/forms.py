"""Input forms of the training pages: they parse and label fields; the rules live in the services."""

from __future__ import annotations

from django import forms

from dte.catalog.models import EvaluationBody, Level, Occupation
from dte.core.forms import EMPTY_LABEL, DateInput, DateTimeInput, TimeInput
from dte.training.models import Enrolment, Event, Mode, RecordException, Session
from dte.training.services.common import CAPACITY_MAX, FEE_MAX, HOURS_MAX  # the form says it first


class PlanForm(forms.Form):
    occupation = forms.ModelChoiceField(
        label="职业", queryset=Occupation.objects.none(), empty_label=EMPTY_LABEL
    )
    level = forms.ModelChoiceField(label="等级", queryset=Level.objects.all(), empty_label=EMPTY_LABEL)
    title = forms.CharField(label="计划名称", max_length=120)
    direction = forms.CharField(label="方向", max_length=60, required=False)
    hours_theory_offline = forms.IntegerField(
        label="理论学时(线下)", min_value=0, initial=0, max_value=HOURS_MAX
    )
    hours_theory_online = forms.IntegerField(
        label="理论学时(线上)", min_value=0, initial=0, max_value=HOURS_MAX
    )
    hours_practice_offline = forms.IntegerField(
        label="实操学时(线下)", min_value=0, initial=0, max_value=HOURS_MAX
    )
    hours_practice_online = forms.IntegerField(
        label="实操学时(线上)", min_value=0, initial=0, max_value=HOURS_MAX
    )
    start_date = forms.DateField(label="开始日期", widget=DateInput)
    end_date = forms.DateField(label="结束日期", widget=DateInput)
    schedule = forms.CharField(label="培训安排", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    mode = forms.ChoiceField(label="培训方式", choices=Mode.choices, initial=Mode.BLENDED)
    place = forms.CharField(label="培训地点", max_length=120, required=False)
    capacity = forms.IntegerField(label="计划人数", min_value=1, max_value=CAPACITY_MAX)
    fee = forms.IntegerField(label="收费标准(元/人)", min_value=0, max_value=FEE_MAX)
    evaluation_body = forms.ModelChoiceField(
        label="评价机构", queryset=EvaluationBody.objects.filter(active=True), empty_label=EMPTY_LABEL
    )
    assessment_plan = forms.CharField(
        label="专业技术等级考核计划和方案(与评价机构商定)", widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, institution_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].queryset = Occupation.objects.filter(
            designations__institution_id=institution_id
        )


class ClassForm(forms.Form):
    name = forms.CharField(label="班次名称", max_length=120)
    start_date = forms.DateField(label="开班日期", widget=DateInput)
    end_date = forms.DateField(label="结业日期", widget=DateInput)
    enrol_by = forms.DateField(label="报名截止", widget=DateInput)
    capacity = forms.IntegerField(label="招生人数", min_value=1, max_value=CAPACITY_MAX)
    mode = forms.ChoiceField(label="培训方式", choices=Mode.choices)
    place = forms.CharField(label="培训地点", max_length=120, required=False)


class ApplyForm(forms.Form):
    category = forms.ChoiceField(
        label="人员类别", choices=Enrolment.Category.choices, widget=forms.RadioSelect
    )
    employer = forms.CharField(label="工作单位", max_length=120, required=False)
    job = forms.CharField(label="岗位/从事的数字技术工作", max_length=60, required=False)
    school = forms.CharField(label="毕业院校", max_length=120, required=False)
    expected_graduation = forms.DateField(label="预计毕业日期", widget=DateInput, required=False)


class OnBehalfForm(ApplyForm):
    """Institution staff enrol a real-name person on their behalf [P4.3]."""

    id_number = forms.CharField(label="身份证号码", max_length=18)
    name = forms.CharField(label="姓名(尚未实名登记时必填)", max_length=60, required=False)
    phone = forms.CharField(label="手机号码(选填)", max_length=11, required=False)
    field_order = [
        "id_number",
        "name",
        "phone",
        "category",
        "employer",
        "job",
        "school",
        "expected_graduation",
    ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500)


class SessionForm(forms.Form):
    date = forms.DateField(label="日期", widget=DateInput)
    start = forms.TimeField(label="开始", widget=TimeInput)
    end = forms.TimeField(label="结束", widget=TimeInput)
    kind = forms.ChoiceField(label="类型", choices=Session.Kind.choices)
    mode = forms.ChoiceField(label="方式", choices=Session.SessionMode.choices)
    topic = forms.CharField(label="内容", max_length=120, required=False)
    backfill_reason = forms.CharField(
        label="补录理由(课次开始后才排课时必填)", max_length=200, required=False
    )


class CorrectionForm(forms.Form):
    enrolment = forms.IntegerField(widget=forms.HiddenInput)
    check_in = forms.DateTimeField(label="签到时间", widget=DateTimeInput, required=False)
    check_out = forms.DateTimeField(label="签退时间", widget=DateTimeInput, required=False)
    reason = forms.CharField(label="更正理由", max_length=200)


class UploadForm(forms.Form):
    file = forms.FileField(label="文件(CSV 或 XLSX)")


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Event.Kind.choices)
    title = forms.CharField(label="名称", max_length=120)
    starts_on = forms.DateField(label="开始日期", widget=DateInput)
    ends_on = forms.DateField(label="结束日期", widget=DateInput)
    place = forms.CharField(label="地点", max_length=120)
    organiser = forms.CharField(label="主办单位", max_length=120)
    description = forms.CharField(label="简介", widget=forms.Textarea(attrs={"rows": 4}))
    capacity = forms.IntegerField(
        label="报名名额(留空为不限)", min_value=1, max_value=CAPACITY_MAX, required=False
    )


class RecordExceptionForm(forms.Form):
    """The city allows one trainee an exception to the order of the record [P3.2]."""

    kind = forms.ChoiceField(label="例外类型", choices=RecordException.Kind.choices)
    reason = forms.CharField(
        label="理由及证明材料",
        max_length=RecordException.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
