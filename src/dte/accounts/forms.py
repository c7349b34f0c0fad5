from django import forms

from dte.catalog.models import County, EvaluationBody, Institution
from dte.core.forms import EMPTY_LABEL


class LoginForm(forms.Form):
    username = forms.CharField(label="账号", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class SignUpForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=60)
    id_number = forms.CharField(
        label="身份证号码", max_length=18, min_length=18, error_messages={"min_length": "身份证号码应为18位"}
    )
    phone = forms.CharField(label="手机号码(登录账号)", max_length=11)
    password = forms.CharField(label="密码(至少10位)", widget=forms.PasswordInput)
    password2 = forms.CharField(label="再次输入密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码(至少10位)", widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的密码不一致")
        return data


class StaffAccountForm(forms.Form):
    username = forms.CharField(label="账号", max_length=150)
    display_name = forms.CharField(label="姓名/名称", max_length=60)
    role = forms.ChoiceField(label="角色")
    institution = forms.ModelChoiceField(
        label="所属培训机构", queryset=None, required=False, empty_label=EMPTY_LABEL
    )
    evaluation_body = forms.ModelChoiceField(
        label="所属评价机构", queryset=None, required=False, empty_label=EMPTY_LABEL
    )
    county = forms.ModelChoiceField(
        label="所属县(市、区)", queryset=None, required=False, empty_label=EMPTY_LABEL
    )
    password = forms.CharField(label="初始密码(至少10位)", widget=forms.PasswordInput)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        self.fields["institution"].queryset = Institution.objects.filter(active=True)
        self.fields["evaluation_body"].queryset = EvaluationBody.objects.filter(active=True)
        self.fields["county"].queryset = County.objects.all()


class AccountActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("deactivate", "停用"), ("activate", "启用"), ("reset", "重置密码")])
    reason = forms.CharField(label="理由", max_length=200, required=False)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput, required=False)
