from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "dte.catalog"
    verbose_name = "基础目录"
