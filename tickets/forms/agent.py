"""Forms of the agent ticket page, new tickets and canned responses."""

from django import forms

from accounts.selectors import active_agents
from helpdesk.forms import ModelChoiceField
from organizations.models import Department, Team

from ..models import CannedResponse, Category, Ticket
from .fields import (
    NumberField,
    attachments_field,
    body_length_validator,
)

Status = Ticket.Status


class AgentReplyForm(forms.Form):
    KIND_CHOICES = [("public", "Public reply"), ("internal", "Internal note")]
    kind = forms.ChoiceField(
        choices=KIND_CHOICES, initial="public", widget=forms.RadioSelect, label="Type"
    )
    body = forms.CharField(
        validators=[body_length_validator()],
        label="Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = attachments_field()
    status = forms.ChoiceField(
        label="Submit as",
        required=False,
        choices=[("", "Keep status"), *[c for c in Status.choices if c[0] != "new"]],
    )

    def clean(self):
        data = super().clean()
        if "attachments" in self.errors:
            return data  # files were chosen: the field says what is wrong
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            raise forms.ValidationError("Write a message or attach a file.")
        return data


class TicketPropertiesForm(forms.Form):
    """The sidebar's triage fields; each change is saved on the spot."""

    priority = forms.ChoiceField(choices=Ticket.Priority.choices)
    category = ModelChoiceField(
        queryset=Category.objects.all(), required=False, empty_label="None"
    )
    department = ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="None"
    )
    team = ModelChoiceField(
        queryset=Team.objects.select_related("department"),
        required=False,
        empty_label="None",
    )
    assignee = ModelChoiceField(
        queryset=active_agents(), required=False, empty_label="Unassigned"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.update(
                {"class": "form-select form-select-sm", "id": f"id_{name}"}
            )

    @classmethod
    def for_ticket(cls, ticket: Ticket, data=None) -> "TicketPropertiesForm":
        return cls(
            data,
            initial={
                "priority": ticket.priority,
                "category": ticket.category_id,
                "department": ticket.department_id,
                "team": ticket.team_id,
                "assignee": ticket.assignee_id,
            },
        )

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class AssignForm(forms.Form):
    assignee = ModelChoiceField(
        queryset=active_agents(), required=False, empty_label="Unassigned"
    )


class MergeForm(forms.Form):
    target = NumberField(
        label="Merge into ticket",
        min_value=1,
        help_text="This ticket closes and points to the one you name.",
        widget=forms.TextInput(attrs={"placeholder": "#1042", "inputmode": "numeric"}),
    )


class MergeConfirmForm(MergeForm):
    """The merge confirmation page: the target again, and how the merged
    ticket's text lands on it. Without ``confirm`` it only asks for the page."""

    VISIBILITY_CHOICES = [
        ("public", "Public message (the target's requester sees it)"),
        ("internal", "Internal note (agents only)"),
    ]
    visibility = forms.ChoiceField(
        choices=VISIBILITY_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        label="Add the merged ticket's text to the target as",
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


# --- Workspace: opening on behalf -------------------------------------------


class AgentTicketCreateForm(forms.Form):
    requester_email = forms.EmailField(
        label="Customer email",
        help_text="An existing customer, or a new one we create for you.",
    )
    requester_name = forms.CharField(
        label="Customer name",
        required=False,
        max_length=150,
        help_text="Only used when the customer is new.",
    )
    subject = forms.CharField(max_length=255)
    body = forms.CharField(
        validators=[body_length_validator()],
        label="Description",
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    category = ModelChoiceField(
        queryset=Category.objects.filter(active=True), required=False
    )
    priority = forms.ChoiceField(
        choices=Ticket.Priority.choices, initial=Ticket.Priority.NORMAL
    )
    assign_to_me = forms.BooleanField(
        label="Assign to me", required=False, initial=True
    )
    attachments = attachments_field()


# --- Workspace: the list ----------------------------------------------------


class CannedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["title", "body", "shared"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "body": "Placeholders: {requester_name}, {ticket_number}, {agent_name}.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.is_admin:
            del self.fields["shared"]
