"""Organization suggestions for the agents' filters (``forms.OrganizationField``)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import agent_required

from .selectors import organization_names_matching


@require_GET
@agent_required
def suggest(request):
    """``<option>`` elements for a ``<datalist>``: the names of at most
    ``SUGGESTIONS`` organizations containing the text typed (``?organization=``,
    the field's own name, as htmx sends it), by name. Agents only: a customer
    learns no other organization's name."""
    text = request.GET.get("organization", "")
    return render(
        request,
        "organizations/suggestions.html",
        {"names": organization_names_matching(text)},
    )
