"""Forms of the customer portal."""

from django import forms

from helpdesk.forms import ModelChoiceField

from ..models import Category, Ticket
from .fields import (
    attachments_field,
    body_length_validator,
)

Status = Ticket.Status


# The id of the new-request form on its page. The subject field stands
# outside that element (bound to it by the ``form`` attribute) so that the
# suggestions below it, fetched with a GET, are outside the form holding the
# CSRF token.
PORTAL_TICKET_FORM_ID = "new-request-form"


class PortalTicketForm(forms.Form):
    subject = forms.CharField(
        max_length=255,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "form": PORTAL_TICKET_FORM_ID}
        ),
    )
    category = ModelChoiceField(
        queryset=Category.objects.filter(active=True),
        required=False,
        empty_label="Not sure",
        help_text="Helps us send your request to the right people.",
    )
    body = forms.CharField(
        validators=[body_length_validator()],
        label="Description",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What happened, what you expected, and anything you tried. "
        "Markdown works.",
    )
    attachments = attachments_field()


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        validators=[body_length_validator()],
        label="Your reply",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = attachments_field()

    def clean(self):
        data = super().clean()
        if "attachments" in self.errors:
            return data  # files were chosen: the field says what is wrong
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            raise forms.ValidationError("Write a message or attach a file.")
        return data


class PortalStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(Status.SOLVED, "Solved"), (Status.OPEN, "Open")]
    )


class PortalFilterForm(forms.Form):
    STATUS_CHOICES = [("", "All"), ("unsolved", "Open"), *Status.choices]
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    q = forms.CharField(label="Search", required=False, max_length=200)
