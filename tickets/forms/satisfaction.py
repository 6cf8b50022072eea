"""The satisfaction survey's form: Good or Bad, and an optional comment."""

from django import forms

from ..models import SatisfactionRating

COMMENT_MAX_CHARS = 5000


class SatisfactionForm(forms.Form):
    """Used by the survey page, the portal and (through its fields) the API.

    ``comment`` is only taken when the form sent it: a one-click rating keeps
    the comment given before (``comment_sent``)."""

    rating = forms.ChoiceField(
        label="How would you rate the support you received?",
        choices=SatisfactionRating.Rating.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose Good or Bad.",
            "invalid_choice": "Choose Good or Bad.",
        },
    )
    comment = forms.CharField(
        label="Anything you would like to add? (optional)",
        required=False,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def comment_sent(self) -> str | None:
        """The comment, or None when the form did not include the field."""
        if "comment" not in self.data:
            return None
        return self.cleaned_data.get("comment", "")
