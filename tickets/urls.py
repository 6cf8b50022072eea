from django.urls import path

from .views import (
    agent,
    agent_ticket,
    attachments,
    canned,
    portal,
    satisfaction,
    search,
)

app_name = "tickets"

urlpatterns = [
    # The customer portal
    path("portal/", portal.portal_home, name="portal_home"),
    path("portal/tickets/", portal.portal_list, name="portal_list"),
    path("portal/tickets/new/", portal.portal_new, name="portal_new"),
    path("portal/tickets/<int:number>/", portal.portal_detail, name="portal_detail"),
    path(
        "portal/tickets/<int:number>/reply/", portal.portal_reply, name="portal_reply"
    ),
    path(
        "portal/tickets/<int:number>/status/",
        portal.portal_status,
        name="portal_status",
    ),
    path(
        "portal/tickets/<int:number>/satisfaction/",
        satisfaction.portal_satisfaction,
        name="portal_satisfaction",
    ),
    # The satisfaction survey behind an emailed link: no sign-in needed
    path("survey/<str:token>/", satisfaction.survey, name="survey"),
    # Search everywhere (the top bar's box), for everyone signed in
    path("search/", search.search, name="search"),
    # Files, for everyone who may see the ticket
    path(
        "tickets/<int:number>/attachments/<str:attachment_id>/",
        attachments.attachment_download,
        name="attachment",
    ),
    # The agent workspace
    path("agent/", agent.agent_home, name="agent_home"),
    path("agent/tickets/", agent.agent_list, name="agent_list"),
    path("agent/tickets/new/", agent.agent_new, name="agent_new"),
    path("agent/tickets/bulk/", agent.agent_bulk, name="agent_bulk"),
    path("agent/filters/", agent.saved_filter_save, name="saved_filter_save"),
    path(
        "agent/filters/<str:filter_id>/delete/",
        agent.saved_filter_delete,
        name="saved_filter_delete",
    ),
    path("agent/tickets/<int:number>/", agent_ticket.agent_detail, name="agent_detail"),
    path(
        "agent/tickets/<int:number>/reply/",
        agent_ticket.agent_reply,
        name="agent_reply",
    ),
    path(
        "agent/tickets/<int:number>/update/",
        agent_ticket.agent_update,
        name="agent_update",
    ),
    path(
        "agent/tickets/<int:number>/status/",
        agent_ticket.agent_status,
        name="agent_status",
    ),
    path(
        "agent/tickets/<int:number>/take/", agent_ticket.agent_take, name="agent_take"
    ),
    path(
        "agent/tickets/<int:number>/assign/",
        agent_ticket.agent_assign,
        name="agent_assign",
    ),
    path(
        "agent/tickets/<int:number>/merge/",
        agent_ticket.agent_merge,
        name="agent_merge",
    ),
    path(
        "agent/tickets/<int:number>/events/",
        agent_ticket.agent_events,
        name="agent_events",
    ),
    path(
        "agent/tickets/<int:number>/presence/",
        agent_ticket.agent_presence,
        name="agent_presence",
    ),
    path(
        "agent/tickets/<int:number>/canned/",
        agent_ticket.agent_canned_insert,
        name="agent_canned_insert",
    ),
    path("agent/canned/", canned.canned_list, name="canned_list"),
    path("agent/canned/new/", canned.canned_create, name="canned_create"),
    path("agent/canned/<str:canned_id>/", canned.canned_edit, name="canned_edit"),
    path(
        "agent/canned/<str:canned_id>/delete/",
        canned.canned_delete,
        name="canned_delete",
    ),
]
