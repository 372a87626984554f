from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "aipal.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
