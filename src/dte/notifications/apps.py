from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dte.notifications"
    verbose_name = "通知"
