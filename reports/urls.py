from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.volume, name="volume"),
    path("speed/", views.speed, name="speed"),
    path("service-levels/", views.service_levels, name="service_levels"),
    path("people/", views.people, name="people"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("tickets/", views.tickets, name="tickets"),
    path("csv/<slug:table>/", views.export, name="export"),
]
