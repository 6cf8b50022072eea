from django import template
from django.core.paginator import Page
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def elided_pages(page: Page):
    """Page numbers around the current one, with ellipses for the rest."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)


@register.filter
def ago(value) -> str:
    """'3 hours ago': the largest unit only, which is all a list needs."""
    if not value:
        return ""
    return f"{timesince(value, depth=1)} ago"


def _selected_values(bound_field) -> set[str]:
    value = bound_field.value()
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return {str(value)}


@register.simple_tag
def fast_select(bound_field, css: str = "form-select form-select-sm") -> SafeString:
    """A <select> rendered in Python instead of through Django's widget
    templates: the ticket list renders many options on every request, and the
    widget templates cost several milliseconds there."""
    selected = _selected_values(bound_field)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) in selected else "", label)
            for value, label in bound_field.field.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}" class="{}">{}</select>',
        bound_field.html_name,
        bound_field.id_for_label,
        css,
        options,
    )


@register.simple_tag
def fast_checkboxes(bound_field) -> SafeString:
    """Checkboxes for a multiple-choice field, rendered like fast_select."""
    selected = _selected_values(bound_field)
    return format_html_join(
        "",
        '<div class="form-check"><input class="form-check-input" type="checkbox" '
        'name="{}" value="{}" id="{}_{}"{}><label class="form-check-label" '
        'for="{}_{}">{}</label></div>',
        (
            (
                bound_field.html_name,
                value,
                bound_field.auto_id,
                index,
                mark_safe(" checked") if str(value) in selected else "",
                bound_field.auto_id,
                index,
                label,
            )
            for index, (value, label) in enumerate(bound_field.field.choices)
        ),
    )


@register.simple_tag
def select_field(bound_field) -> SafeString:
    """Label, select and errors of one field, rendered in Python: the busiest
    pages show several of these on every request."""
    errors = format_html_join(
        "",
        '<div class="invalid-feedback d-block">{}</div>',
        ((e,) for e in bound_field.errors),
    )
    return format_html(
        '<div class="mb-2"><label class="form-label small mb-1" for="{}">{}</label>'
        "{}{}</div>",
        bound_field.id_for_label,
        bound_field.label,
        fast_select(bound_field),
        errors,
    )
