from django import template
from django.core.paginator import Page
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
