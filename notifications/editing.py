"""Services for admins: editing email templates and automation rules, and
sending a failed email again. (Who gets which email is
``notifications.services``; the sending is ``notifications.sending``.)

Every write checks ``permissions.can_manage_email`` again, validates the row
with the model's own ``full_clean`` (so rules added to the models hold here
too) and compiles templates as the Django admin's form does, then saves.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError, ConflictError, PermissionDeniedError

from .models import AutomationRule, EmailLog, EmailTemplate
from .permissions import can_manage_email

# The template's parts and whether each is HTML (autoescaped), as in the
# Django admin's EmailTemplateForm.


def _require_manager(actor: User) -> None:
    if not can_manage_email(actor):
        raise PermissionDeniedError("Only admins may manage email.")


def _validated(row: Model, extra_errors: dict[str, list[str]] | None = None) -> None:
    """Raise ApplicationError (400, ``invalid``, the errors per field) unless
    the row passes the model's ``full_clean`` and ``extra_errors`` is empty.
    Errors about the row as a whole (a unique constraint) come under
    ``non_field_errors``."""
    errors: dict[str, list[str]] = {}
    try:
        row.full_clean()
    except DjangoValidationError as error:
        for field, messages in error.message_dict.items():
            name = "non_field_errors" if field == NON_FIELD_ERRORS else field
            errors.setdefault(name, []).extend(messages)
    for field, messages in (extra_errors or {}).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ApplicationError(
            "Some fields are not valid: " + ", ".join(sorted(errors)) + ".",
            code="invalid",
            extra=errors,
        )


# --- Templates --------------------------------------------------------------------


@atomic
def email_template_save(
    *, actor: User, template: EmailTemplate, **fields
) -> EmailTemplate:
    """Create (an unsaved ``template``) or change a template: ``fields`` are
    any of key, language, description, subject, body_text, body_html.

    Raises PermissionDeniedError (403) for anyone but an admin, and
    ApplicationError (400 ``invalid``) naming each field that is wrong: a
    part that does not compile, a duplicate key and language, an unknown
    language. Emails already queued keep the text they were rendered with.
    """
    _require_manager(actor)
    for name, value in fields.items():
        setattr(template, name, value)
    _validated(template)
    template.save()
    return template


# --- Automation rules -------------------------------------------------------------


def _rule_errors(rule: AutomationRule) -> dict[str, list[str]]:
    if rule.action != AutomationRule.Action.EMAIL:
        return {}  # a card has no recipients (the model clears them)
    if rule.recipient == AutomationRule.Recipient.FIXED and not rule.fixed_address:
        return {"fixed_address": ["Give the address to send to."]}
    return {}


@atomic
def automation_rule_save(
    *, actor: User, rule: AutomationRule, **fields
) -> AutomationRule:
    """Create (an unsaved ``rule``) or change an automation rule; ``fields``
    are the model's fields by name (relations as rows).

    Raises PermissionDeniedError (403) for anyone but an admin, and
    ApplicationError (400 ``invalid``) naming each wrong field, including a
    fixed recipient without an address and an email rule without a template
    or recipients. A Teams rule (``action`` "teams") keeps no template or
    recipients: the model's ``clean`` empties them, and clears
    ``teams_connector`` of an email rule. Takes effect for the next ticket
    event; emails and cards already queued are not changed.
    """
    _require_manager(actor)
    for name, value in fields.items():
        setattr(rule, name, value)
    _validated(rule, _rule_errors(rule))
    rule.save()
    return rule


@atomic
def automation_rule_delete(*, actor: User, rule: AutomationRule) -> None:
    """Delete a rule; the emails it queued stay in the log (without it)."""
    _require_manager(actor)
    rule.delete()


# --- The log ----------------------------------------------------------------------


@atomic
def email_log_retry(*, actor: User, entry: EmailLog) -> EmailLog:
    """Queue a failed email again, with the text it was rendered with and its
    Message-ID, and hand it to the sender (``tasks.send_email``) once this
    transaction commits. The same as the Django admin's "send again".

    Raises PermissionDeniedError (403) for anyone but an admin, and
    ConflictError (409) unless the email is failed (one that is queued,
    sending or sent is not sent again: two retries at once queue it once) or
    when it never rendered (its template failed: there is nothing to send;
    fix the template, and the next event renders it anew).
    """
    from .tasks import send_email

    _require_manager(actor)
    if entry.status == EmailLog.Status.FAILED and not entry.body_text.strip():
        raise ConflictError(
            "This email was never rendered (its template failed), so there is "
            "nothing to send again.",
            code="not_rendered",
        )
    queued = EmailLog.objects.filter(pk=entry.pk, status=EmailLog.Status.FAILED).update(
        status=EmailLog.Status.QUEUED, error="", lease_until=None
    )
    if not queued:
        entry.refresh_from_db()
        raise ConflictError(
            f"Only failed emails can be sent again; this one is {entry.status}.",
            code="not_failed",
        )
    entry.refresh_from_db()
    log_id = str(entry.pk)
    transaction.on_commit(lambda: send_email.delay(log_id), robust=True)
    return entry
