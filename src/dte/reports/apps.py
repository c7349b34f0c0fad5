from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "dte.reports"
    verbose_name = "统计与报表"

    def ready(self):
        from dte.reports import indexes

        post_migrate.connect(indexes.ensure, sender=self, dispatch_uid="dte.reports.indexes.ensure")
