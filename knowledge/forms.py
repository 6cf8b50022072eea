"""Forms for editing the knowledge base in the admin and importing FAQ files."""

from django import forms

from helpdesk.forms import ModelChoiceField

from .models import Article
from .services.articles import BODY_MAX_CHARS, PHRASINGS_MAX, language_code_valid
from .services.faq_io import FaqEntry, FaqError, faq_parse, format_for

FAQ_UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class ArticleForm(forms.ModelForm):
    """An article's fields, in the admin and the agents' workspace editor;
    ``knowledge.services.articles`` writes them. The address is made from
    the title when left empty."""

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "category",
            "status",
            "visibility",
            "language",
            "body",
            "phrasings",
        ]
        field_classes = {"category": ModelChoiceField}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 18, "class": "vLargeTextField"}),
            "phrasings": forms.Textarea(attrs={"rows": 5, "class": "vLargeTextField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Its address; empty: made from the title."
        self.fields["phrasings"].label = "Also asked as"
        self.fields["phrasings"].help_text = (
            "Other ways customers ask this question, one per line (at most "
            f"{PHRASINGS_MAX}): search and the chatbot match them like the "
            "title; readers never see them. Repeats and empty lines are dropped."
        )
        self.fields["body"].help_text = (
            "Markdown: **bold**, *italic*, - lists, [links](https://…), "
            "`code`, ## headings."
        )

    def clean_language(self) -> str:
        language = (self.cleaned_data["language"] or "").strip().lower()
        if not language_code_valid(language):
            raise forms.ValidationError("Use a language code such as en, de or pt-br.")
        return language

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(body) > BODY_MAX_CHARS:
            raise forms.ValidationError(
                f"An article's body is limited to {BODY_MAX_CHARS:,} characters."
            )
        return body


ArticleAdminForm = ArticleForm


class ArticleFilterForm(forms.Form):
    q = forms.CharField(label="Search titles", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *Article.Status.choices]
    )


class FaqImportForm(forms.Form):
    """One FAQ file (.json or .csv), read and checked whole before anything
    is written; ``cleaned_data["entries"]`` holds its entries."""

    file = forms.FileField(
        label="FAQ file",
        help_text="A .json list of {question, answer, category} or a .csv "
        "with those columns (category optional). At most 5 MB.",
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None:
            return data
        if upload.size > FAQ_UPLOAD_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        try:
            entries: list[FaqEntry] = faq_parse(
                upload.read(), fmt=format_for(upload.name)
            )
        except FaqError as error:
            raise forms.ValidationError(
                f"{error.message} Nothing was imported."
            ) from None
        data["entries"] = entries
        return data


class TeachArticleChoiceField(ModelChoiceField):
    """Published articles by title; an article not public says who reads it."""

    def to_python(self, value):
        # An id no article can have (not an ObjectId on MongoDB, not a number
        # on SQL) is the same "not a published article" on every database.
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code == "invalid_choice":
                raise
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None

    def label_from_instance(self, obj: Article) -> str:
        if obj.visibility == Article.Visibility.PUBLIC:
            return obj.title
        audience = {
            Article.Visibility.CUSTOMERS: "signed-in customers",
            Article.Visibility.AGENTS: "agents only",
        }[obj.visibility]
        return f"{obj.title} ({audience})"


class TeachForm(forms.Form):
    """Teach an article a group of unanswered questions (the report's
    "Teach"): the article that answers them, among ``articles`` (the
    published ones the admin may read). The questions themselves are the
    checked ``phrasing`` boxes, read by the view."""

    article = TeachArticleChoiceField(
        queryset=Article.objects.none(),
        label="Article that answers these questions",
        empty_label="Choose an article…",
        error_messages={
            "required": "Nothing was taught: choose the article that answers them.",
            "invalid_choice": "Nothing was taught: that article is not published.",
        },
    )
    back = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, articles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = articles
