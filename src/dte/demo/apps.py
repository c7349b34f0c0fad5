from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed only for its two commands, `dte demo` and `dte demo_oversight`; it has no models."""

    name = "dte.demo"
    verbose_name = "演示数据"
