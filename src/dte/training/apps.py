from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "dte.training"
    verbose_name = "培训与证书"
