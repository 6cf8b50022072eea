"""Which models a backup holds, and in what order a restore loads them."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Model

# Rows every database makes for itself on ``migrate`` (content types and
# permissions: archives refer to them by natural key), and sessions, which
# are sign-ins on the old site and never travel.
EXCLUDED = frozenset(
    {"contenttypes.contenttype", "auth.permission", "sessions.session"}
)

# Referred to by natural key in archives: (app_label, model) for content
# types, (codename, app_label, model) for permissions.
NATURAL = frozenset({"contenttypes.contenttype", "auth.permission"})

# Models whose rows ``migrate`` seeds (default email templates, automation
# rules, the ticket-number counter): a freshly migrated database holds them,
# so they do not make it "not empty", and a restore replaces them.
SEEDED = frozenset(
    {
        "tickets.ticketnumbercounter",
        "notifications.emailtemplate",
        "notifications.automationrule",
    }
)


def label(model: type[Model]) -> str:
    """``app_label.model_name`` in lower case, as serialized rows name it."""
    return model._meta.label_lower


def backup_models() -> list[type[Model]]:
    """Every model whose rows a backup holds, in load order: a model comes
    after every model its foreign keys point to (except itself), so a
    restore can insert parents first. Many-to-many links are their
    auto-created through models. Unmanaged and proxy models are left out."""
    chosen = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and label(model) not in EXCLUDED
    ]
    return load_order(chosen)


def dependencies(model: type[Model]) -> set[type[Model]]:
    """The models ``model``'s foreign keys point to, itself excluded."""
    return {
        field.related_model
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is not model
    }


def load_order(models: list[type[Model]]) -> list[type[Model]]:
    """``models`` sorted so that each follows the models it depends on.

    Kahn's algorithm, stable in ``models``' order. A cycle (none exists
    today) is broken by taking the remaining models in their given order:
    the loader defers any reference to a model not yet loaded.
    """
    remaining = list(models)
    present = set(models)
    done: set[type[Model]] = set()
    ordered: list[type[Model]] = []
    while remaining:
        ready = [m for m in remaining if (dependencies(m) & present) <= done]
        if not ready:
            ready = remaining[:1]
        for model in ready:
            ordered.append(model)
            done.add(model)
            remaining.remove(model)
    return ordered
