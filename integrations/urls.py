from django.urls import path

from . import views
from .teams import link_views
from .teams import views as teams_views

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
    # Microsoft Teams: the outgoing webhook's endpoint (signed by Teams, not
    # a session: no CSRF), and the portal pages that link a Teams user.
    path(
        "integrations/teams/link/<str:token>/",
        link_views.teams_link,
        name="teams_link",
    ),
    path("integrations/teams/links/", link_views.teams_links, name="teams_links"),
    path(
        "integrations/teams/links/<str:link_id>/remove/",
        link_views.teams_link_remove,
        name="teams_link_remove",
    ),
    path(
        "integrations/teams/<str:connector_id>/",
        teams_views.teams_webhook,
        name="teams_webhook",
    ),
]
