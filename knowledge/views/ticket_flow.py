"""Placeholder: filled in by the knowledge base's views."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404("Not built yet.")


new_ticket_suggestions = agent_search = _missing
