from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "dte.evaluation"
    verbose_name = "等级评价与职称"
