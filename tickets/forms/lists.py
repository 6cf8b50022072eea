"""The workspace ticket list: filters, sorting, bulk actions, saved filters."""

from django import forms

from accounts.selectors import active_agents
from helpdesk.forms import ModelChoiceField
from organizations.forms import OrganizationField
from organizations.models import Department, Team

from ..models import Category, Ticket
from ..permissions import can_close_ticket
from ..selectors import SORTS, VIEWS, TicketFilters

Status = Ticket.Status

SORT_LABELS = {
    "-updated": "Recently updated",
    "updated": "Least recently updated",
    "-created": "Newest",
    "created": "Oldest",
    "-priority": "Priority, highest first",
    "priority": "Priority, lowest first",
    "-number": "Number, descending",
    "number": "Number, ascending",
    "subject": "Subject",
    "status": "Status",
    "sla": "SLA: next due first",
}
PER_PAGE = (25, 50, 100)
SATISFACTION_CHOICES = [
    ("", "Any"),
    ("good", "Good"),
    ("bad", "Bad"),
    ("unrated", "Unrated"),
]


class TicketFilterForm(forms.Form):
    """The workspace list's filters, read from the query string."""

    view = forms.ChoiceField(choices=list(VIEWS.items()), required=False)
    status = forms.MultipleChoiceField(
        choices=Status.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    priority = forms.MultipleChoiceField(
        choices=Ticket.Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    category = ModelChoiceField(queryset=Category.objects.all(), required=False)
    department = ModelChoiceField(queryset=Department.objects.all(), required=False)
    team = ModelChoiceField(
        queryset=Team.objects.select_related("department"), required=False
    )
    assignee = forms.ChoiceField(required=False)
    organization = OrganizationField()
    requester = forms.CharField(label="Requester email", required=False, max_length=254)
    created_from = forms.DateField(
        label="Created from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = forms.DateField(
        label="Created until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    satisfaction = forms.ChoiceField(
        label="Satisfaction",
        choices=SATISFACTION_CHOICES,
        required=False,
    )
    q = forms.CharField(label="Search", required=False, max_length=200)
    sort = forms.ChoiceField(
        choices=[(key, SORT_LABELS[key]) for key in SORTS], required=False
    )
    per_page = forms.TypedChoiceField(
        label="Per page",
        choices=[(n, n) for n in PER_PAGE],
        coerce=int,
        required=False,
        empty_value=PER_PAGE[0],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Rendered as plain Bootstrap widgets (no crispy): this form is on the
        # busiest page of the workspace.
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            else:
                widget.attrs["class"] = "form-control form-control-sm"
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody"),
            *[(str(agent.pk), agent.display_name) for agent in active_agents()],
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "The end date is before the start date.")
        return data

    def filters(self) -> TicketFilters:
        """The filters, ignoring any field that did not validate."""
        data = self.cleaned_data if self.is_bound else {}

        def pk(name):
            value = data.get(name)
            return value.pk if value is not None else None

        return TicketFilters(
            view=data.get("view") or "all",
            statuses=data.get("status") or [],
            priorities=data.get("priority") or [],
            category_id=pk("category"),
            department_id=pk("department"),
            team_id=pk("team"),
            assignee=data.get("assignee") or "",
            organization_id=pk("organization"),
            requester=data.get("requester") or "",
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            satisfaction=data.get("satisfaction") or "",
            q=data.get("q") or "",
            sort=data.get("sort") or "-updated",
        )

    def page_size(self) -> int:
        data = self.cleaned_data if self.is_bound else {}
        return data.get("per_page") or PER_PAGE[0]


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("assign", "Assign"),
        ("status", "Set status"),
        ("priority", "Set priority"),
    ]
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def clean_tickets(self):
        numbers = self.cleaned_data["tickets"]
        if any(not 0 < number < 2**31 for number in numbers):
            raise forms.ValidationError("Those are not ticket numbers.")
        return numbers

    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.ChoiceField(required=False)
    status = forms.ChoiceField(
        choices=[("", "—"), *[c for c in Status.choices if c[0] != "new"]],
        required=False,
    )
    priority = forms.ChoiceField(
        choices=[("", "—"), *Ticket.Priority.choices], required=False
    )

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not can_close_ticket(user):
            # Agents solve; closing by hand is an admin's (the service agrees).
            self.fields["status"].choices = [
                c for c in self.fields["status"].choices if c[0] != Status.CLOSED
            ]
            self.fields["status"].error_messages["invalid_choice"] = (
                "Only admins close tickets; mark them solved and they close "
                "by themselves."
            )
        self.fields["assignee"].choices = [
            ("", "—"),
            ("none", "Nobody"),
            *[(str(agent.pk), agent.display_name) for agent in active_agents()],
        ]
        # Any number may be posted; the service decides and reports refusals.
        numbers = self.data.getlist("tickets") if self.is_bound else []
        self.fields["tickets"].choices = [(n, n) for n in numbers]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action and not data.get(action if action != "assign" else "assignee"):
            raise forms.ValidationError(
                "Choose the new value for the selected tickets."
            )
        return data


class SavedFilterForm(forms.Form):
    name = forms.CharField(label="Filter name", max_length=100)
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)
