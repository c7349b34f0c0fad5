from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dte.web"
    verbose_name = "门户"
