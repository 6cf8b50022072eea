from django.contrib import admin
from django.urls import include, path

from helpdesk import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("", include("tickets.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
]
