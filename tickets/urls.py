from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("portal/", views.portal_home, name="portal_home"),
    path("agent/", views.agent_home, name="agent_home"),
]
