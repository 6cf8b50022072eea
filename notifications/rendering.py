"""Rendering email templates from an explicit context.

Admins write the templates, so they run in an engine that can reach nothing
but the context given: no template libraries, no loader tags (include,
extends, block), no context processors, and a context of plain values, never
model objects, so ``{{ ticket.requester.password }}`` is simply empty.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError

from tickets.bodies import bodies_refresh
from tickets.models import Message, Ticket


class _EmailEngine(Engine):
    """Django's engine without the loader tags (include, extends, block):
    there is no other template to load, so a template using them would
    compile, be saved, and fail only when its email is sent."""

    default_builtins = [
        "django.template.defaulttags",
        "django.template.defaultfilters",
    ]


_OPTIONS = {"libraries": {}, "loaders": [("django.template.loaders.locmem.Loader", {})]}
HTML_ENGINE = _EmailEngine(autoescape=True, **_OPTIONS)
TEXT_ENGINE = _EmailEngine(autoescape=False, **_OPTIONS)


# How many closing lines may hold the author's sign-off: the name and a title
# or contact line under it, after a closing like "Kind regards,".
SIGNATURE_LINES = 3


class TemplateError(Exception):
    """An admin's template does not compile or render."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    body_html: str


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def email_context(
    *,
    ticket: Ticket | None,
    message: Message | None,
    recipient_name: str,
    recipient_email: str,
    recipient_is_agent: bool,
    extra: dict | None = None,
) -> dict:
    """Everything a template may use, as plain values.

    ``message.body_html`` is safe HTML (sanitised when stored); everything
    else is text that the HTML engine escapes.
    """
    context = {
        "site": {"name": settings.HELPDESK_NAME, "url": settings.SITE_URL},
        "recipient": {"name": recipient_name, "email": recipient_email},
        "links": {"portal": absolute("/portal/")},
    }
    if ticket is not None:
        context["ticket"] = {
            "number": ticket.number,
            "reference": ticket.reference,
            "subject": ticket.subject,
            "status": ticket.get_status_display(),
            "priority": ticket.get_priority_display(),
            "requester_name": ticket.requester.display_name,
            "department": ticket.department.name if ticket.department else "",
            "assignee_name": ticket.assignee.display_name if ticket.assignee else "",
            "organization": ticket.organization.name if ticket.organization else "",
        }
        context["links"]["ticket"] = absolute(
            ticket.get_agent_url() if recipient_is_agent else ticket.get_absolute_url()
        )
    if message is not None:
        # The HTML stored when the message was written, never rendered again
        # per email (only once, if an older renderer wrote it).
        bodies_refresh([message])
        context["message"] = {
            "body": message.body,
            "body_html": message.html,
            "author_name": message.author.display_name,
            "signature": signature_for(
                body=message.body, author_name=message.author.display_name
            ),
        }
    context.update(extra or {})
    return context


def signature_for(*, body: str, author_name: str) -> str:
    """The name to sign a reply with, or "" when the reply is signed already.

    Agents sign replies themselves, by hand or with a canned response's
    ``{agent_name}``; the email then adds no second signature. A reply counts
    as signed when one of its last SIGNATURE_LINES non-blank lines is a
    sign-off line for the author (any case, trailing punctuation ignored):
    the name alone, ending the line as a whole word ("Thanks, Alex Doe", "--
    Alex Doe."), or starting it before a separator ("Alex Doe (Support)",
    "Alex Doe | Acme"), so a sign-off block with a title or contact line
    under the name counts too. "Thanks, Fred" does not sign for "Ed", nor
    "Alex Doe will call you" for Alex Doe.
    """
    name = author_name.strip().casefold()
    if not name:
        return author_name
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    escaped = re.escape(name)
    sign_off = re.compile(rf"(?:^|.*\W){escaped}|{escaped}\s*[^\w\s'’].*")
    for line in lines[-SIGNATURE_LINES:]:
        if sign_off.fullmatch(line.rstrip(" .!").casefold()):
            return ""
    return author_name


def check_template(source: str, *, html: bool = False) -> None:
    """Raise TemplateError when a template does not compile."""
    try:
        (HTML_ENGINE if html else TEXT_ENGINE).from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateError(str(error)) from error


# The parts of a template, and whether each is HTML (escaped) or plain text.
TEMPLATE_PARTS = (("subject", False), ("body_text", False), ("body_html", True))


def template_errors(template) -> dict[str, list[str]]:
    """Each part of ``template`` (an object with ``subject``, ``body_text``
    and ``body_html``) that does not compile, with the engine's reason:
    ``{"body_html": ["Template error: ..."]}``, empty when all compile.

    Compiled in the engines used for sending (no tag libraries, no loaders).
    Any failure to compile counts, not only a syntax error: an admin's input
    is refused with a reason, never ends in a server error.
    """
    errors: dict[str, list[str]] = {}
    for field, html in TEMPLATE_PARTS:
        try:
            check_template(getattr(template, field) or "", html=html)
        except TemplateError as error:
            errors[field] = [f"Template error: {error}"]
        except Exception as error:  # any failure is the admin's to fix
            errors[field] = [f"Template error: {type(error).__name__}: {error}"]
    return errors


def render_email(*, subject: str, body_text: str, body_html: str, context: dict):
    """Render the three parts; a broken template raises TemplateError."""
    try:
        # A Context escapes unless told not to, whatever its engine says:
        # the subject and the text body are plain text, never HTML.
        rendered_subject = TEXT_ENGINE.from_string(subject).render(
            Context(context, autoescape=False)
        )
        text = TEXT_ENGINE.from_string(body_text).render(
            Context(context, autoescape=False)
        )
        html = (
            HTML_ENGINE.from_string(body_html).render(Context(context))
            if body_html.strip()
            else ""
        )
    except Exception as error:  # any failure of an admin's template is reported
        raise TemplateError(f"{type(error).__name__}: {error}") from error
    return Rendered(
        subject=" ".join(rendered_subject.split())[:900],
        body_text=text.strip() + "\n",
        body_html=html,
    )
