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


# Ids kept in text fields, rewritten with the rows they name when keys
# change: {model: {field: rule}}. A rule is the target model's label, a
# (field, {value: target}) pair choosing the target by another field of the
# row, or ("query", {parameter: target}) for a saved query string.
TEXT_REFERENCES: dict[str, dict[str, object]] = {
    # A reply's or note's event names its message (tickets/services/messages.py).
    "tickets.ticketevent": {
        "new_value": ("kind", {"reply": "tickets.message", "note": "tickets.message"})
    },
    # An agent's saved ticket-list filter (tickets/forms/lists.py).
    "tickets.savedfilter": {
        "query": (
            "query",
            {
                "category": "tickets.category",
                "department": "organizations.department",
                "team": "organizations.team",
                "assignee": "accounts.user",
                "organization": "organizations.organization",
            },
        )
    },
    # The admin's history names the changed row by content type and id.
    "admin.logentry": {"object_id": ("content_type", None)},
}


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


def text_reference_target(selector: str, targets, fields: dict) -> str | None:
    """The label of the model an id kept as text names, in a row whose
    fields (as archived, or as described) are ``fields``; ``None`` when the
    row names none. ``selector`` and ``targets`` are a rule of
    :data:`TEXT_REFERENCES` other than a query string: ``targets`` maps the
    ``selector`` field's values to labels, or is ``None`` when ``selector``
    is a content type's natural key (``[app_label, model]``)."""
    if targets is None:
        natural = fields.get(selector)
        return ".".join(natural) if isinstance(natural, list | tuple) else None
    return targets.get(fields.get(selector))


def dependencies(model: type[Model]) -> set[type[Model]]:
    """The models ``model``'s rows refer to, itself excluded: through foreign
    keys, and through ids kept as text (:data:`TEXT_REFERENCES`; a row named
    by content type may be of any model, so that model comes last)."""
    found = {
        field.related_model
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is not model
    }
    for _selector, targets in TEXT_REFERENCES.get(label(model), {}).values():
        if targets is None:
            found |= set(apps.get_models(include_auto_created=True))
        else:
            found |= {apps.get_model(target) for target in set(targets.values())}
    found.discard(model)
    return found


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
