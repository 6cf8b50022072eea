from django.urls import path

from .views import chat, editor, help_center, reports, ticket_flow

app_name = "knowledge"

urlpatterns = [
    # --- The public help center (help_center.py) ---------------------------
    path("help/", help_center.help_home, name="home"),
    path("help/search/", help_center.help_search, name="search"),
    path("help/c/<slug:slug>/", help_center.category_detail, name="category"),
    path("help/a/<slug:slug>/", help_center.article_detail, name="article"),
    path("help/a/<slug:slug>/vote/", help_center.article_vote, name="article_vote"),
    # --- The agents' article editor (editor.py) ------------------------------
    path(
        "agent/knowledge/articles/",
        editor.article_manage_list,
        name="article_manage_list",
    ),
    path("agent/knowledge/articles/new/", editor.article_new, name="article_new"),
    path(
        "agent/knowledge/articles/<str:article_id>/",
        editor.article_edit,
        name="article_edit",
    ),
    path("agent/knowledge/preview/", editor.article_preview, name="article_preview"),
    # --- The chatbot panel (chat.py) ----------------------------------------
    path("help/chat/", chat.chat_panel, name="chat"),
    path("help/chat/ask/", chat.chat_ask_view, name="chat_ask"),
    path("help/chat/feedback/", chat.chat_feedback_view, name="chat_feedback"),
    path("help/chat/handover/", chat.chat_handover_view, name="chat_handover"),
    path("help/chat/restart/", chat.chat_restart_view, name="chat_restart"),
    path(
        "help/chat/handover/<str:signed>/",
        chat.chat_handover_confirm_view,
        name="chat_handover_confirm",
    ),
    # --- In the ticket flow (ticket_flow.py) --------------------------------
    path(
        "portal/tickets/new/suggestions/",
        ticket_flow.new_ticket_suggestions,
        name="new_ticket_suggestions",
    ),
    path(
        "portal/suggestions/<str:article_id>/open/",
        ticket_flow.suggestion_open,
        name="suggestion_open",
    ),
    path("agent/knowledge/search/", ticket_flow.agent_search, name="agent_search"),
    # --- Reports for admins (reports.py) ------------------------------------
    path("agent/knowledge/report/", reports.chatbot_report, name="report"),
    path(
        "agent/knowledge/report/unanswered.csv",
        reports.unanswered_csv,
        name="report_unanswered_csv",
    ),
    path("agent/knowledge/report/teach/", reports.teach_phrasings, name="report_teach"),
]
