"""Reads about email templates and the rules that name them."""

from collections.abc import Iterable

from .models import AutomationRule, EmailTemplate


def template_key_choices() -> list[tuple[str, str]]:
    """Every template key there is, once, as ``(key, "key: description")``
    pairs sorted by key: what a rule may send. A key with templates in
    several languages is one choice; the recipient's language picks among
    them when the rule fires."""
    choices: dict[str, str] = {}
    for key, description in EmailTemplate.objects.order_by(
        "key", "language"
    ).values_list("key", "description"):
        if key not in choices:
            choices[key] = f"{key}: {description}" if description else key
    return list(choices.items())


def rules_orphaned_by(templates: Iterable[EmailTemplate]) -> list[AutomationRule]:
    """The rules that would name a key no template has any more, were these
    templates deleted: a rule keeps working while any language of its key
    remains. Empty when the deletion is harmless."""
    templates = list(templates)
    keys = {template.key for template in templates}
    remaining = set(
        EmailTemplate.objects.filter(key__in=keys)
        .exclude(pk__in=[template.pk for template in templates])
        .values_list("key", flat=True)
    )
    return list(
        AutomationRule.objects.filter(template_key__in=keys - remaining).order_by(
            "order", "pk"
        )
    )
