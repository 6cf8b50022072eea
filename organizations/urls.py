from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("agent/organizations/suggest/", views.suggest, name="suggest"),
]
