from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dte.audit"
    verbose_name = "审计日志"
