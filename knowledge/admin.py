"""The knowledge base in the Django admin: the editors' place.

The admin is for admins (``User.is_staff`` is true for admins only, and the
site needs a second factor); agents write articles in the workspace's editor
(``knowledge.views.editor``, /agent/knowledge/articles/). Every
save and delete goes through ``knowledge.services.articles``, which renders
the body and moves the search index on.
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import path
from django.utils import timezone
from django.utils.html import escape, format_html

from helpdesk.admin_site import ServiceAdminMixin
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError

from .forms import ArticleAdminForm, FaqImportForm
from .models import Article, ArticleCategory
from .services import articles as services
from .services.faq_io import FORMATS, faq_dump, faq_export_entries, faq_import

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv"}


@admin.register(ArticleCategory)
class ArticleCategoryAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "position", "article_count", "updated_at")
    search_fields = ("name", "slug", "description")
    fields = ("name", "slug", "description", "position")
    ordering = ("position", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_articles=Count("articles"))

    @admin.display(description="articles", ordering="_articles")
    def article_count(self, obj):
        return obj._articles

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["slug"].required = False
        form.base_fields["slug"].help_text = "Empty: made from the name."
        return form

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in self.fields}
        if change:
            changed = {f: data[f] for f in form.changed_data if f in data}
            fresh = ArticleCategory.objects.get(pk=obj.pk)
            saved = services.category_update(
                category=fresh, actor=request.user, **changed
            )
        else:
            saved = services.category_create(actor=request.user, **data)
        obj.pk, obj.slug = saved.pk, saved.slug

    def delete_model(self, request, obj):
        services.category_delete(category=obj, actor=request.user)

    @atomic
    def delete_queryset(self, request, queryset):
        for category in queryset:
            services.category_delete(category=category, actor=request.user)


@admin.register(Article)
class ArticleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Write, preview, publish and archive articles; import and export FAQ
    files from the list's top-right buttons."""

    form = ArticleAdminForm
    change_list_template = "admin/knowledge/article/change_list.html"
    list_display = (
        "title",
        "category",
        "status",
        "visibility",
        "views",
        "helpful",
        "updated_at",
    )
    list_filter = ("status", "visibility", "category", "language")
    list_select_related = ("category",)
    search_fields = ("title", "slug", "body", "phrasings")
    date_hierarchy = "updated_at"
    actions = ["publish", "archive"]
    readonly_fields = (
        "preview",
        "author",
        "published_at",
        "view_count",
        "helpful_count",
        "not_helpful_count",
        "import_key",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "category")}),
        ("Publishing", {"fields": ("status", "visibility", "language")}),
        (
            "Content",
            {
                "fields": ("body",),
                "description": "Markdown: **bold**, *italic*, lists, links, "
                "`code`, headings. Save (for example as a draft, with "
                "“Save and continue editing”) to see the preview below.",
            },
        ),
        (
            "Also asked as",
            {
                "fields": ("phrasings",),
                "description": "Questions customers asked that this article "
                "answers; the report's “Teach” adds them from the chatbot's "
                "unanswered questions.",
            },
        ),
        ("Preview", {"fields": ("preview",)}),
        (
            "Readers",
            {"fields": ("view_count", "helpful_count", "not_helpful_count")},
        ),
        (
            "History",
            {
                "fields": (
                    "author",
                    "published_at",
                    "import_key",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description="views", ordering="view_count")
    def views(self, obj):
        return obj.view_count

    @admin.display(description="helpful yes / no", ordering="-helpful_count")
    def helpful(self, obj):
        return f"{obj.helpful_count} / {obj.not_helpful_count}"

    # --- Preview -----------------------------------------------------------

    @admin.display(description="As readers see it")
    def preview(self, obj):
        """The stored, sanitised HTML in a sandboxed frame (no scripts, an
        opaque origin), as the email-template preview shows its HTML."""
        if obj is None or obj.pk is None:
            return "Save the article (as a draft, say) to preview it."
        document = format_html(
            '<!doctype html><link rel="stylesheet" href="{}">'
            '<link rel="stylesheet" href="{}">'
            '<div class="message-body help-article-body p-3">'
            '<h1 class="h3">{}</h1>{}</div>',
            static("bootstrap/css/bootstrap.min.css"),
            static("css/help-center.css"),
            obj.title,
            obj.html,
        )
        # srcdoc is an attribute: the document is escaped once more for it.
        return format_html(
            '<iframe class="article-preview-frame" title="Article preview" '
            'sandbox srcdoc="{}"></iframe>',
            escape(str(document)),
        )

    # --- Writes through the services ----------------------------------------

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in ArticleAdminForm.Meta.fields}
        try:
            if change:
                changed = {f: data[f] for f in form.changed_data if f in data}
                fresh = Article.objects.get(pk=obj.pk)
                saved = services.article_update(
                    article=fresh, actor=request.user, **changed
                )
            else:
                saved = services.article_create(actor=request.user, **data)
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.article_delete(article=obj, actor=request.user)

    @atomic
    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(article=article, actor=request.user)

    @admin.action(description="Publish the selected articles")
    def publish(self, request, queryset):
        self._set_status(request, queryset, Article.Status.PUBLISHED)

    @admin.action(description="Archive the selected articles")
    def archive(self, request, queryset):
        self._set_status(request, queryset, Article.Status.ARCHIVED)

    @atomic
    def _set_status(self, request, queryset, status):
        moved = 0
        for article in queryset.exclude(status=status):
            services.article_update(article=article, actor=request.user, status=status)
            moved += 1
        self.message_user(
            request,
            f"{moved} article(s) now {Article.Status(status).label.lower()}.",
            messages.SUCCESS,
        )

    # --- FAQ import and export ----------------------------------------------

    def get_urls(self):
        return [
            path(
                "import-faq/",
                self.admin_site.admin_view(self.import_faq_view),
                name="knowledge_article_import_faq",
            ),
            path(
                "export-faq/<str:fmt>/",
                self.admin_site.admin_view(self.export_faq_view),
                name="knowledge_article_export_faq",
            ),
            *super().get_urls(),
        ]

    def import_faq_view(self, request):
        """Upload a FAQ file; it is checked whole, then imported in one
        transaction, and the counts are shown."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = FaqImportForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
        if request.method == "POST" and form.is_valid():
            try:
                result = faq_import(
                    entries=form.cleaned_data["entries"], actor=request.user
                )
            except ApplicationError as error:
                form.add_error(None, f"{error.message} Nothing was imported.")
            else:
                self.message_user(request, f"FAQ imported: {result}.", messages.SUCCESS)
                return redirect("admin:knowledge_article_changelist")
        return TemplateResponse(
            request,
            "admin/knowledge/article/import_faq.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "opts": self.model._meta,
                "title": "Import a FAQ file",
            },
        )

    def export_faq_view(self, request, fmt: str):
        """The published public articles as a FAQ file to download."""
        if fmt not in FORMATS or not self.has_view_permission(request):
            return redirect("admin:knowledge_article_changelist")
        body = faq_dump(faq_export_entries(), fmt=fmt)
        response = HttpResponse(
            body, content_type=f"{CONTENT_TYPES[fmt]}; charset=utf-8"
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="faq-{stamp}.{fmt}"'
        return response
