from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .models import OPTIONAL_EVENTS, Event, NotificationOptOut
from .services import opt_outs_set

# What each optional email is, in the words of the person receiving it.
CUSTOMER_EVENTS = {
    Event.TICKET_CREATED: "A confirmation when I open a request",
    Event.TICKET_SOLVED: "When my request is marked solved",
    Event.TICKET_CLOSED: "When my request is closed",
}
AGENT_EVENTS = {
    Event.TICKET_CREATED: "New tickets in my queues",
    Event.CUSTOMER_REPLY: "Customer replies on tickets I own",
    Event.TICKET_ASSIGNED: "Tickets assigned to me",
    Event.SLA_WARNING: "Tickets I own that are about to miss an SLA target",
    Event.SLA_BREACH: "Tickets I own that missed an SLA target",
    **CUSTOMER_EVENTS,
}


class PreferencesForm(forms.Form):
    receive = forms.MultipleChoiceField(
        label="Email me about",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receive"].choices = list(choices.items())


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Turn optional emails on and off. Replies from agents always arrive."""
    choices = AGENT_EVENTS if request.user.is_agent else CUSTOMER_EVENTS
    opted_out = set(
        NotificationOptOut.objects.filter(user=request.user).values_list(
            "event", flat=True
        )
    )
    form = PreferencesForm(
        # Not "request.POST or None": unticking every box posts nothing at all.
        request.POST if request.method == "POST" else None,
        choices=choices,
        initial={"receive": [event for event in choices if event not in opted_out]},
    )
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["receive"])
        opt_outs_set(
            user=request.user,
            events=(set(choices) - wanted)
            | (opted_out & OPTIONAL_EVENTS - set(choices)),
        )
        messages.success(request, "Your email preferences were saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
