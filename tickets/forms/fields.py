"""Form fields and validators the ticket forms share."""

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.template.defaultfilters import filesizeformat


def body_length_validator() -> MaxLengthValidator:
    """MESSAGE_BODY_MAX_CHARS, read when the form is checked."""
    return MaxLengthValidator(lambda: settings.MESSAGE_BODY_MAX_CHARS)


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
