from __future__ import annotations

from django import forms

from dte.catalog.models import Institution
from dte.core.forms import EMPTY_LABEL, DateInput
from dte.supervision.models import QUESTIONS, AnomalyAction, Finding

DATE = DateInput()
SCALE = [(i, str(i)) for i in range(5, 0, -1)]


class DrawForm(forms.Form):
    title = forms.CharField(label="抽查计划名称", max_length=120)
    period_start = forms.DateField(label="班次期间(自)", widget=DATE)
    period_end = forms.DateField(label="班次期间(至)", widget=DATE)
    sample_size = forms.IntegerField(label="抽取班次数", min_value=1, initial=3)
    seed = forms.IntegerField(
        label="随机种子(留空则自动生成并记录)", required=False, min_value=0, max_value=2**62
    )


class RecordForm(forms.Form):
    visited_on = forms.DateField(label="检查日期", widget=DATE)
    inspectors = forms.CharField(label="检查人员", max_length=120)
    present_count = forms.IntegerField(label="现场实到人数", min_value=0, required=False)
    observed_fee = forms.IntegerField(label="现场核实收费(元/人)", min_value=0, required=False)
    summary = forms.CharField(label="检查情况", widget=forms.Textarea(attrs={"rows": 3}))


class FindingForm(forms.Form):
    topic = forms.ChoiceField(label="类别", choices=Finding.Topic.choices)
    severity = forms.ChoiceField(label="程度", choices=Finding.Severity.choices)
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 2}))


class PhotoForm(forms.Form):
    photo = forms.FileField(label="现场照片(JPEG/PNG/WebP)")
    caption = forms.CharField(label="说明", max_length=120, required=False)


class FollowUpForm(forms.Form):
    action = forms.CharField(label="整改要求", widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label="整改期限", widget=DATE)
    finding = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CloseForm(forms.Form):
    note = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 2}))


class DocumentRequestForm(forms.Form):
    institution = forms.ModelChoiceField(
        label="培训机构", queryset=Institution.objects.filter(active=True), empty_label=EMPTY_LABEL
    )
    items = forms.CharField(label="调阅资料清单", widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(label="提供期限", widget=DATE)


class DocumentProvideForm(forms.Form):
    note = forms.CharField(label="提供说明", widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label="附件(PDF、图片或 Office 文件)", required=False)


class AnomalyActForm(forms.Form):
    outcome = forms.ChoiceField(label="处理结果", choices=AnomalyAction.Outcome.choices)
    note = forms.CharField(label="处理说明", max_length=500)


class SurveyForm(forms.Form):
    fee_paid = forms.IntegerField(label="实际缴纳培训费(元,选填)", min_value=0, required=False)
    comment = forms.CharField(
        label="意见建议(选填)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in QUESTIONS:
            self.fields[key] = forms.TypedChoiceField(
                label=label, choices=SCALE, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields([k for k, _ in QUESTIONS] + ["fee_paid", "comment"])
