from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dte.people"
    verbose_name = "实名人员"
