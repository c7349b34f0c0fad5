"""The draft form: one dated value of one parameter, written as in its YAML file."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms

from dte.core.bounds import REASON_MAX
from dte.parameters.services import DOCUMENT_MAX
from dte.policy import parameters


class DraftForm(forms.Form):
    name = forms.ChoiceField(label="参数", choices=())
    start = forms.DateField(
        label="生效日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    document = forms.CharField(label="依据文件文号", max_length=DOCUMENT_MAX)
    reason = forms.CharField(
        label="调整理由", max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    value = forms.CharField(
        label="新取值(YAML,与参数文件中一个日期下的取值相同,不含 reference)",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [(n, n) for n in parameters.names()]

    def clean_value(self) -> Any:
        try:
            value = yaml.safe_load(self.cleaned_data["value"])
        except yaml.YAMLError as exc:
            raise forms.ValidationError(f"不是有效的 YAML:{exc}") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError("取值应为 YAML 映射(键: 值)")
        return value

    def draft(self) -> dict:
        """The draft in the files' shape; the document is the value's reference (citation)."""
        d = self.cleaned_data
        body = {"reference": d["document"], **{k: v for k, v in d["value"].items() if k != "reference"}}
        return {d["name"]: {"values": {d["start"]: body}}}


# A holiday year's starting point when none is published yet (the shape of ``dte calendar load``).
HOLIDAYS_TEMPLATE = """\
year: 2027
holidays: [2027-01-01]   # 放假日期,单日或区间 2027-02-06..2027-02-12
workdays: []             # 调休上班日(只能是周六或周日)
"""


def value_yaml(name: str) -> str:
    """The latest value of a parameter as YAML, without its reference (the form's starting point)."""
    values = parameters.get(name).values
    if not values:
        return HOLIDAYS_TEMPLATE if name == "holidays" else ""
    latest = values[-1]
    value = latest.value if isinstance(latest.value, dict) else {"value": latest.value}
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
