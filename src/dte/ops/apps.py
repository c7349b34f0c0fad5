from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: backup and restore of a whole instance (database, uploaded files, manifest)."""

    name = "dte.ops"
    verbose_name = "运维"
