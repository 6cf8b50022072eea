"""Form fields and validators the ticket forms share."""

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.functional import lazy

from ..services.attachments import attachment_limits, attachments_refusals


def body_length_validator() -> MaxLengthValidator:
    """MESSAGE_BODY_MAX_CHARS, read when the form is checked."""
    return MaxLengthValidator(lambda: settings.MESSAGE_BODY_MAX_CHARS)


# --- Files ------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    """Several files; the input carries the limits in force (``accept`` and
    ``data-attachment-*``) for static/js/attachments.js to check a choice
    before it is sent."""

    allow_multiple_selected = True

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(attachment_limits().input_attrs())
        return context


class MultipleFileField(forms.FileField):
    """Several files in one input, refused together with the whole form when
    one may not be attached or they break a per-message limit: the sender
    keeps the text and chooses again, instead of a ticket created without the
    file. (Email and the API, which cannot ask again, keep the message and
    report the refused files; see ``tickets.services.attachments``.)"""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            files = [
                super(MultipleFileField, self).clean(item, initial) for item in data
            ]
        else:
            files = [super().clean(data, initial)] if data else []
        refusals = attachments_refusals(files)
        if refusals:
            raise forms.ValidationError(
                [
                    *refusals,
                    "Nothing was sent; your text is kept. Choose the files again.",
                ]
            )
        return files


def _attachments_help() -> str:
    return attachment_limits().describe()


def attachments_field() -> MultipleFileField:
    """The file input of every ticket form; its help text lists the allowed
    types and sizes in force when the form is shown."""
    return MultipleFileField(
        label="Attachments", help_text=lazy(_attachments_help, str)()
    )


class NumberField(forms.IntegerField):
    """A ticket number typed as 1042 or #1042."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().lstrip("#")
        return super().to_python(value)
