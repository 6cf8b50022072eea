"""The agents' article editor in the workspace (agents and admins): list,
write and change articles with a live preview. Admins also have the Django
admin (``knowledge.admin``), which agents cannot open."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from accounts.decorators import agent_required
from helpdesk.errors import ApplicationError
from helpdesk.rendering import render_markdown
from tickets.views.common import get_or_404, paginate

from ..forms import ArticleFilterForm, ArticleForm
from ..models import Article
from ..services import articles as services

PAGE_SIZE = 25


def _preview_of(body: str) -> SafeString:
    """The body rendered as it will be stored (sanitised), cut at the limit."""
    return SafeString(render_markdown(body[: services.BODY_MAX_CHARS]))  # sanitised


@agent_required
def article_manage_list(request: HttpRequest) -> HttpResponse:
    """Every article, drafts and archived ones included, newest change first."""
    form = ArticleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    articles = Article.objects.select_related("category").order_by("-updated_at")
    if data.get("q"):
        articles = articles.filter(title__icontains=data["q"])
    if data.get("status"):
        articles = articles.filter(status=data["status"])
    return render(
        request,
        "knowledge/editor/list.html",
        {
            "form": form,
            "page": paginate(request, articles, PAGE_SIZE),
            "filtered": bool(data.get("q") or data.get("status")),
        },
    )


def _editor(request: HttpRequest, article: Article | None) -> HttpResponse:
    posted = request.method == "POST"
    form = ArticleForm(
        request.POST if posted else None,
        instance=Article() if article is None else Article.objects.get(pk=article.pk),
    )
    preview = article.html if article is not None else None
    if posted and "preview" in request.POST:
        preview = _preview_of(request.POST.get("body", ""))
    elif posted and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ArticleForm.Meta.fields}
        try:
            if article is None:
                saved = services.article_create(actor=request.user, **fields)
            else:
                changed = {f: fields[f] for f in form.changed_data if f in fields}
                saved = services.article_update(
                    article=Article.objects.get(pk=article.pk),
                    actor=request.user,
                    **changed,
                )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Saved “{saved.title}” ({saved.get_status_display().lower()}).",
            )
            return redirect("knowledge:article_edit", saved.pk)
    return render(
        request,
        "knowledge/editor/form.html",
        {"form": form, "article": article, "preview": preview},
        status=400 if posted and "preview" not in request.POST else 200,
    )


@agent_required
def article_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@agent_required
def article_edit(request: HttpRequest, article_id: str) -> HttpResponse:
    return _editor(request, get_or_404(Article.objects.all(), article_id))


@require_POST
@agent_required
def article_preview(request: HttpRequest) -> HttpResponse:
    """The body of the form being edited, rendered (htmx, as the agent types)."""
    return render(
        request,
        "knowledge/editor/_preview.html",
        {"preview": _preview_of(request.POST.get("body", ""))},
    )
