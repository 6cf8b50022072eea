"""Placeholder: filled in by the knowledge base's views."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404("Not built yet.")


help_home = help_search = category_detail = article_detail = article_vote = _missing
