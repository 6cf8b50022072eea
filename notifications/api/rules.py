"""Automation rules: when an event happens to a matching ticket, send a
template to someone, or post a card to a Microsoft Teams channel (admins).

``action`` is "email" (the default, so clients written before Teams cards
keep working) or "teams". An email rule needs ``template_key`` and
``recipient``; a Teams rule has neither (they are stored empty) and may name
``teams_connector_id`` (null: the ticket's team's connector, else its
department's, else the default one)."""

from datetime import datetime
from typing import Literal

from ninja import Router, Status
from pydantic import Field

from helpdesk.api_tools import (
    In,
    RowOut,
    answers,
    named_row,
    row_or_404,
    sent_fields,
    text_id,
)
from integrations.models import TeamsConnector
from organizations.models import Department, Organization
from tickets.models import Category, Ticket

from .. import editing
from ..models import AutomationRule, Event
from .common import require_email_manager

router = Router(tags=["automation rules"])
EventName = Literal[tuple(Event.values)]
RecipientName = Literal[tuple(AutomationRule.Recipient.values)]
RecipientOrNone = Literal[("", *AutomationRule.Recipient.values)]
ActionName = Literal[tuple(AutomationRule.Action.values)]
PriorityOrAny = Literal[("", *Ticket.Priority.values)]
StatusOrAny = Literal[("", *Ticket.Status.values)]
SLUG = r"^[-a-zA-Z0-9_]+$"
SLUG_OR_EMPTY = r"^[-a-zA-Z0-9_]*$"
RELATIONS = {
    "category_id": (Category, "category"),
    "department_id": (Department, "department"),
    "organization_id": (Organization, "organization"),
    "teams_connector_id": (TeamsConnector, "teams_connector"),
}


class RuleOut(RowOut):
    name: str
    active: bool
    order: int
    event: str
    priority: str
    status: str
    category_id: str | None
    department_id: str | None
    organization_id: str | None
    action: str
    template_key: str
    recipient: str
    fixed_address: str
    delay_minutes: int
    teams_connector_id: str | None
    disabled_reason: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_category_id(obj) -> str | None:
        return text_id(obj.category_id)

    @staticmethod
    def resolve_department_id(obj) -> str | None:
        return text_id(obj.department_id)

    @staticmethod
    def resolve_organization_id(obj) -> str | None:
        return text_id(obj.organization_id)

    @staticmethod
    def resolve_teams_connector_id(obj) -> str | None:
        return text_id(obj.teams_connector_id)


class RuleIn(In):
    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    order: int = Field(100, ge=0, le=1_000_000, description="Lower runs first.")
    event: EventName
    priority: PriorityOrAny = Field("", description="Empty: any priority.")
    status: StatusOrAny = Field("", description="Empty: any status.")
    category_id: str | None = None
    department_id: str | None = None
    organization_id: str | None = None
    action: ActionName = Field(
        "email", description='"email" sends a template; "teams" posts a card.'
    )
    template_key: str = Field(
        "",
        max_length=64,
        pattern=SLUG_OR_EMPTY,
        description="The key of the email template to send. Email rules only "
        "(required there); ignored for Teams rules.",
    )
    recipient: RecipientOrNone = Field(
        "", description="Email rules only (required there)."
    )
    fixed_address: str = Field(
        "",
        max_length=254,
        description='Required when recipient is "fixed".',
        json_schema_extra={"format": "email"},
    )
    delay_minutes: int = Field(0, ge=0, le=525_600)
    teams_connector_id: str | None = Field(
        None,
        description="Teams rules only: the connector to post to. null: the "
        "ticket's team's connector, else its department's, else the default.",
    )


class RulePatch(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    active: bool | None = None
    order: int | None = Field(None, ge=0, le=1_000_000)
    event: EventName | None = None
    priority: PriorityOrAny | None = None
    status: StatusOrAny | None = None
    category_id: str | None = Field(None, description="null clears it")
    department_id: str | None = Field(None, description="null clears it")
    organization_id: str | None = Field(None, description="null clears it")
    action: ActionName | None = None
    template_key: str | None = Field(None, min_length=1, max_length=64, pattern=SLUG)
    recipient: RecipientName | None = None
    fixed_address: str | None = Field(None, max_length=254)
    delay_minutes: int | None = Field(None, ge=0, le=525_600)
    teams_connector_id: str | None = Field(
        None, description="null: route by ticket (team, department, default)"
    )


def _with_rows(fields: dict) -> dict:
    """Body ids to rows: an unknown id is a 400 naming the field."""
    for name, (model, label) in RELATIONS.items():
        if name in fields:
            fields[label] = named_row(model, fields.pop(name), label)
    return fields


@router.get("/automation-rules", response=answers({200: list[RuleOut]}))
def rule_list(request):
    """Every rule, in the order they run. Admins only (403 otherwise)."""
    require_email_manager(request)
    return list(AutomationRule.objects.order_by("order", "pk"))


@router.post("/automation-rules", response=answers({201: RuleOut}))
def rule_create(request, payload: RuleIn):
    """Create a rule. 400 ``invalid`` names each wrong field (an unknown
    category, department, organization or Teams connector id; an email rule
    without a template or recipients; a fixed recipient without an address;
    whatever the model's own validation refuses)."""
    require_email_manager(request)
    rule = editing.automation_rule_save(
        actor=request.user,
        rule=AutomationRule(),
        **_with_rows(payload.model_dump()),
    )
    return Status(201, rule)


@router.get("/automation-rules/{rule_id}", response=answers({200: RuleOut}))
def rule_get(request, rule_id: str):
    """One rule; 404 for an id with no rule."""
    require_email_manager(request)
    return row_or_404(AutomationRule.objects.all(), rule_id)


@router.patch("/automation-rules/{rule_id}", response=answers({200: RuleOut}))
def rule_patch(request, rule_id: str, payload: RulePatch):
    """Change the fields sent; null leaves a field as it is, except the
    category, department and organization, where it clears the condition,
    and the Teams connector, where it routes by ticket. Turning a Teams rule
    into an email rule needs template_key and recipient in the same body."""
    require_email_manager(request)
    rule = row_or_404(AutomationRule.objects.all(), rule_id)
    fields = sent_fields(payload, keep_null=tuple(RELATIONS))
    return editing.automation_rule_save(
        actor=request.user, rule=rule, **_with_rows(fields)
    )


@router.delete("/automation-rules/{rule_id}", response=answers({204: None}))
def rule_delete(request, rule_id: str):
    """Delete a rule; the emails it queued stay in the log."""
    require_email_manager(request)
    rule = row_or_404(AutomationRule.objects.all(), rule_id)
    editing.automation_rule_delete(actor=request.user, rule=rule)
    return Status(204, None)
