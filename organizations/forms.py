"""Choosing an organization by name, without listing every organization.

A ``<select>`` of all organizations made the workspace list and the report
filters cost as much as the organizations: with 2,000 of them, rendering the
options was half of a list page (SQLite, 10,000 tickets: 130-183 ms with the
``<select>``, 55-73 ms without).
``OrganizationField`` is a text box instead: the agent types a name, the
browser offers the matches (``<datalist>``, filled as they type from
``organizations:suggest``, htmx), and the form resolves the text. Without
JavaScript the whole name still works.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy

from .models import Organization


class OrganizationInput(forms.TextInput):
    """A text box with its own ``<datalist>`` of suggestions, fetched from
    ``organizations:suggest`` as the agent types (250 ms after the last key)."""

    template_name = "organizations/organization_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = f"{context['widget']['attrs'].get('id') or name}-options"
        context["widget"]["options_id"] = options
        context["widget"]["attrs"].update(
            {
                "list": options,
                "autocomplete": "off",
                "hx-get": str(reverse_lazy("organizations:suggest")),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{options}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                # Not the list's address: a form around it may push its own.
                "hx-push-url": "false",
                "placeholder": "Any organization",
            }
        )
        return context


def organization_named(text: str) -> Organization | None:
    """The organization ``text`` names: its whole name in any case, else its
    id (links and saved filters carry ids); None when none does. The name
    comes first, so an organization called "2024" is found by its name."""
    text = text.strip()
    if not text:
        return None
    organization = Organization.objects.filter(name__iexact=text).first()
    if organization is not None:
        return organization
    try:
        key = Organization._meta.pk.to_python(text)
    except ValidationError:
        return None  # not an id on this database
    return Organization.objects.filter(pk=key).first()


class OrganizationField(forms.CharField):
    """An organization by name (or id); cleans to an ``Organization`` or None.
    An unknown name is a field error that keeps the text."""

    widget = OrganizationInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self._named: dict[str, Organization | None] = {}

    def __deepcopy__(self, memo):
        # Each form gets its own copy of the field: its own lookups too.
        copied = super().__deepcopy__(memo)
        copied._named = {}
        return copied

    def named(self, text: str) -> Organization | None:
        """``organization_named``, looked up once per text in this form: the
        form cleans the text and then shows it again in the box."""
        key = text.strip()
        if key not in self._named:
            self._named[key] = organization_named(key)
        return self._named[key]

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > self.max_length:
            raise ValidationError(
                "An organization's name has at most %(limit)d characters.",
                code="max_length",
                params={"limit": self.max_length},
            )
        organization = self.named(text)
        if organization is None:
            raise ValidationError(
                "No organization is named “%(name)s”. Pick one of the suggestions.",
                code="unknown",
                params={"name": text},
            )
        return organization

    def validate(self, value) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value) -> None:
        return None  # CharField's validators measure text: see to_python

    def prepare_value(self, value):
        """Shown in the box: the organization's name, also for an id in a
        link; any other text as it was typed."""
        if isinstance(value, Organization):
            return value.name
        if isinstance(value, str) and value.strip():
            organization = self.named(value)
            return organization.name if organization is not None else value
        return value
