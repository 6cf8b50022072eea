from django.contrib.admin.apps import AdminConfig


class HelpdeskAdminConfig(AdminConfig):
    """The admin app, with the two-factor admin site as ``admin.site``."""

    default_site = "helpdesk.admin_site.HelpdeskAdminSite"
