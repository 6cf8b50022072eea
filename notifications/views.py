from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .selectors import email_choices_for, opt_outs_of
from .services import NotAnEmailChoice, opt_outs_set


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
    """Turn the optional emails of one's role on and off; the form refuses any
    other (an agent's answer always arrives)."""
    choices = email_choices_for(request.user)
    opted_out = opt_outs_of(request.user)
    form = PreferencesForm(
        # Not "request.POST or None": unticking every box posts nothing at all.
        request.POST if request.method == "POST" else None,
        choices=choices,
        initial={"receive": [event for event in choices if event not in opted_out]},
    )
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["receive"])
        try:
            opt_outs_set(user=request.user, events=set(choices) - wanted)
        except NotAnEmailChoice as error:
            form.add_error("receive", error.message)
        else:
            messages.success(request, "Your email preferences were saved.")
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
