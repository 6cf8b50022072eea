from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Figures about the work, read through the other apps' selectors."""

    name = "reports"
    verbose_name = "Reports"
