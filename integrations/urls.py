from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path(
        "agent/messages/<str:message_id>/original/",
        views.message_original,
        name="message_original",
    ),
    path("agent/suspended-mail/", views.suspended_list, name="suspended_list"),
    path(
        "agent/suspended-mail/<str:inbound_id>/",
        views.suspended_detail,
        name="suspended_detail",
    ),
    path(
        "agent/suspended-mail/<str:inbound_id>/accept/",
        views.suspended_accept,
        name="suspended_accept",
    ),
    path(
        "agent/suspended-mail/<str:inbound_id>/reject/",
        views.suspended_reject,
        name="suspended_reject",
    ),
]
