from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dte.accounts"
    verbose_name = "账号与角色"
