from django.apps import AppConfig


class SubsidyConfig(AppConfig):
    name = "dte.subsidy"
    verbose_name = "培训补贴申领"
