from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from helpdesk import views
from helpdesk.api import api, api_not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("", include("tickets.urls")),
    path("", include("integrations.urls")),
    path("", include("knowledge.urls")),
    path("", include("organizations.urls")),
    path("notifications/", include("notifications.urls")),
    path("agent/reports/", include("reports.urls")),
    path(
        "reports/",
        RedirectView.as_view(pattern_name="reports:volume", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path(settings.METRICS_PATH.strip("/"), views.metrics, name="metrics"),
    path("api/v1/redoc", views.api_redoc, name="api_redoc"),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),  # JSON, not the site's HTML 404
]
