from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dte.reports"
    verbose_name = "统计与报表"

    def ready(self) -> None:
        from dte.reports import rollups, stages

        rollups.connect()  # the dashboards' rollups follow every claim write
        stages.connect()  # and every write of enrolments and certificates
