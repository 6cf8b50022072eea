"""Loading the default templates and rules (the data migration calls this)."""

from .defaults import RULES, TEAMS_RULES, TEMPLATES


def seed_defaults(template_model=None, rule_model=None) -> None:
    """Create whatever default template or rule is missing; change nothing
    that exists. Takes the migration's historical models when given."""
    if template_model is None or rule_model is None:
        from .models import AutomationRule, EmailTemplate

        template_model, rule_model = EmailTemplate, AutomationRule
    for template in TEMPLATES:
        template_model.objects.get_or_create(
            key=template["key"], language="en", defaults=template
        )
    for order, (event, recipient, template_key) in enumerate(RULES, start=1):
        rule_model.objects.get_or_create(
            event=event,
            recipient=recipient,
            template_key=template_key,
            defaults={
                "name": f"{event.replace('_', ' ').capitalize()}: email the "
                f"{recipient}",
                "order": order * 10,
            },
        )
    if not any(field.name == "action" for field in rule_model._meta.get_fields()):
        return  # an older migration's model: cards came later
    for order, (event, priority, name) in enumerate(TEAMS_RULES, start=1):
        rule_model.objects.get_or_create(
            event=event,
            action="teams",
            priority=priority,
            teams_connector=None,
            defaults={"name": name, "order": 500 + order * 10},
        )
