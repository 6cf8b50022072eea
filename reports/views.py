"""The report pages under /agent/reports/ (agents and admins)."""

from django.http import HttpRequest, HttpResponse


def volume(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
