from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.template.defaultfilters import filesizeformat

from accounts.selectors import active_agents
from organizations.models import Department, Organization, Team

from .models import CannedResponse, Category, Ticket
from .selectors import SORTS, VIEWS, TicketFilters


def body_length_validator() -> MaxLengthValidator:
    """MESSAGE_BODY_MAX_CHARS, read when the form is checked."""
    return MaxLengthValidator(lambda: settings.MESSAGE_BODY_MAX_CHARS)


Status = Ticket.Status


# --- Files ------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input. Size and type are checked by the service,
    which reports each refused file and keeps the rest of the message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [
                super(MultipleFileField, self).clean(item, initial) for item in data
            ]
        return [super().clean(data, initial)] if data else []


def attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label="Attachments",
        help_text=f"Up to {settings.ATTACHMENT_MAX_COUNT} files, "
        f"{filesizeformat(settings.ATTACHMENT_MAX_SIZE)} each and "
        f"{filesizeformat(settings.ATTACHMENT_MAX_TOTAL_SIZE)} in all.",
    )


class NumberField(forms.IntegerField):
    """A ticket number typed as 1042 or #1042."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().lstrip("#")
        return super().to_python(value)


# --- Portal -----------------------------------------------------------------


class PortalTicketForm(forms.Form):
    subject = forms.CharField(
        max_length=255, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    category = forms.ModelChoiceField(
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


# --- Workspace: one ticket --------------------------------------------------


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
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            raise forms.ValidationError("Write a message or attach a file.")
        return data


class TicketPropertiesForm(forms.Form):
    """The sidebar's triage fields; each change is saved on the spot."""

    priority = forms.ChoiceField(choices=Ticket.Priority.choices)
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, empty_label="None"
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="None"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.select_related("department"),
        required=False,
        empty_label="None",
    )
    assignee = forms.ModelChoiceField(
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
    assignee = forms.ModelChoiceField(
        queryset=active_agents(), required=False, empty_label="Unassigned"
    )


class MergeForm(forms.Form):
    target = NumberField(
        label="Merge into ticket",
        min_value=1,
        help_text="This ticket closes and points to the one you name.",
        widget=forms.TextInput(attrs={"placeholder": "#1042", "inputmode": "numeric"}),
    )


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
    category = forms.ModelChoiceField(
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
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.select_related("department"), required=False
    )
    assignee = forms.ChoiceField(required=False)
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), required=False
    )
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
