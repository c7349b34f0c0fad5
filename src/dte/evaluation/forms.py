"""Input forms of the evaluation pages; the rules live in the services."""

from __future__ import annotations

from django import forms

from dte.core.bounds import IMPORT_BYTES_MAX
from dte.core.forms import DateInput
from dte.evaluation.models import Education, TitleHeld
from dte.training.forms import UploadForm


class RegistrationForm(forms.Form):
    education = forms.ChoiceField(label="学历", choices=Education.choices)
    education_related = forms.BooleanField(label="所学专业与本职业相关", required=False, initial=True)
    graduating_student = forms.BooleanField(label="毕业年度在校学生", required=False)
    title_held = forms.ChoiceField(label="已有职称", choices=TitleHeld.choices)
    years_in_occupation = forms.IntegerField(label="从事本职业年限", min_value=0, max_value=60, initial=0)
    insist = forms.BooleanField(
        label="坚持申报(所填情况不满足申报条件时仍提交;申报将标记报市人力社保局)", required=False
    )
    insist_reason = forms.CharField(
        label="坚持申报理由",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="说明为何认为符合申报条件,例如所填信息未能反映的学历或工作经历",
    )


class ScoresForm(forms.Form):
    theory_score = forms.IntegerField(label="理论知识考试成绩", min_value=0, max_value=100)
    ability_score = forms.IntegerField(label="专业能力考核成绩", min_value=0, max_value=100)
    exam_date = forms.DateField(label="考核日期", widget=DateInput)


class ResultsUploadForm(UploadForm):
    """A results file, refused above the platform's import size before anything reads it."""

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > IMPORT_BYTES_MAX:
            raise forms.ValidationError(
                f"文件大小超过 {IMPORT_BYTES_MAX // (1024 * 1024)} MB 上限,未导入任何成绩;请拆分后分批上传"
            )
        return f
