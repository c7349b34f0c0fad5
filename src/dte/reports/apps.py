from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dte.reports"
    verbose_name = "统计与报表"

    def ready(self) -> None:
        from dte.reports import rollups

        rollups.connect()  # the dashboards' rollups follow every claim write
