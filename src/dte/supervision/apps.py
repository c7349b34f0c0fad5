from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "dte.supervision"
    verbose_name = "培训监督"
