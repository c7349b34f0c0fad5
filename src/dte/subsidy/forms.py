"""Input forms of the claim pages. The claimant's account form checks every field at once with the
service's own rules (so every mistake shows beside its field in one go, with what was typed kept);
the service checks them again when it writes."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from dte.core.bounds import LABEL_MAX, clean_text
from dte.core.forms import EMPTY_LABEL
from dte.people.services import clean_phone
from dte.subsidy.models import Claim
from dte.subsidy.services.common import clean_account

RETIREMENT_CATEGORIES = [
    ("", EMPTY_LABEL),
    ("female_cadre", "女干部(原55岁)"),
    ("female_worker", "女工人(原50岁)"),
]


def _field_message(exc: ValidationError, field: str) -> list[str]:
    return exc.message_dict.get(field, exc.messages) if hasattr(exc, "error_dict") else exc.messages


class ClaimAccountForm(forms.Form):
    """The claimant's part of the claim form: payment account [A2.6.2], contact, retirement category."""

    bank_kind = forms.ChoiceField(
        label="收款账户类别",
        choices=[("", EMPTY_LABEL), *Claim.BankKind.choices],
        error_messages={"required": "请选择社会保障卡银行账户或指定银行账户"},
    )
    bank_name = forms.CharField(label="开户银行(指定账户必填)", max_length=LABEL_MAX, required=False)
    bank_account = forms.CharField(
        label="银行账号",
        max_length=40,
        error_messages={"required": "请填写银行账号(12至30位数字)"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(label="联系电话", max_length=11, required=False)
    retirement_category = forms.ChoiceField(
        label="退休类别(女性按原退休年龄类别填写)", choices=RETIREMENT_CATEGORIES, required=False
    )

    def __init__(self, *args, claim: Claim, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "bank_kind": claim.bank_kind,
                "bank_name": claim.bank_name,
                "phone": claim.phone,
                "retirement_category": claim.retirement_category,
            },
        )
        super().__init__(*args, **kwargs)
        if claim.bank_account_enc:
            self.fields["bank_account"].widget.attrs["placeholder"] = claim.masked_bank_account
        if claim.person.sex != "female":
            del self.fields["retirement_category"]

    def _by_rule(self, field: str, rule):
        value = self.cleaned_data.get(field, "")
        try:
            return rule(value)
        except ValidationError as exc:
            raise forms.ValidationError(_field_message(exc, field)) from exc

    def clean_bank_account(self) -> str:
        return self._by_rule("bank_account", clean_account)

    def clean_bank_name(self) -> str:
        return self._by_rule(
            "bank_name",
            lambda v: clean_text(v, field="bank_name", label="开户银行", max_length=LABEL_MAX, line=True),
        )

    def clean_phone(self) -> str:
        return self._by_rule("phone", clean_phone)

    def clean(self):
        data = super().clean()
        if data.get("bank_kind") == Claim.BankKind.DESIGNATED and not data.get("bank_name"):
            if "bank_name" not in self.errors:
                self.add_error("bank_name", "指定银行账户须填写开户银行")
        return data
