"""The chat launcher for help-center pages."""

from django import template
from django.conf import settings

register = template.Library()


def launcher_shown(user) -> bool:
    """The launcher shows for signed-in customers always and for anonymous
    visitors while KNOWLEDGE_CHAT_ANONYMOUS is on; agents answer tickets
    (they may still open /help/chat/ to try the bot)."""
    if user is None or not user.is_authenticated:
        return bool(settings.KNOWLEDGE_CHAT_ANONYMOUS)
    return not user.is_agent


@register.inclusion_tag("knowledge/chat/_launcher.html", takes_context=True)
def chat_launcher(context) -> dict:
    """The launcher button and its (empty until opened) panel, or nothing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"show": request is not None and launcher_shown(user)}
