"""The API's view of people: the caller, users, and the caller's API keys."""

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Status
from pydantic import AwareDatetime, Field

from helpdesk.api import ApiError
from helpdesk.api_tools import (
    In,
    Page,
    RowOut,
    answers,
    named_row,
    page_of,
    require_admin,
    require_agent,
    require_second_factor,
    row_or_404,
    sent_fields,
    text_id,
)
from organizations.models import Organization

from . import services
from .models import ApiKey, User
from .selectors import active_agents

router = Router(tags=["people"])
Role = Literal["customer", "agent", "admin"]
Scope = Literal["read", "write"]
EMAIL = {"format": "email"}  # documented; checked by the service, as in forms


class UserOut(RowOut):
    email: str
    full_name: str
    role: Role
    organization_id: str | None
    timezone: str
    language: str
    is_active: bool

    @staticmethod
    def resolve_organization_id(obj) -> str | None:
        return text_id(obj.organization_id)


class UserIn(In):
    email: str = Field(min_length=3, max_length=254, json_schema_extra=EMAIL)
    full_name: str = Field("", max_length=150)
    role: Role = "customer"
    organization_id: str | None = None


class UserPatch(In):
    full_name: str | None = Field(None, max_length=150)
    role: Role | None = None
    organization_id: str | None = Field(None, description="null clears it")
    is_active: bool | None = None


class UserFilter(In):
    role: Role | None = None
    q: str = Field("", max_length=200)
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


class KeyOut(RowOut):
    name: str
    prefix: str
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @staticmethod
    def resolve_scopes(obj) -> list[str]:
        return obj.scope_list


class KeyCreated(KeyOut):
    key: str = Field(description="The full key. Shown this once; store it now.")


class KeyIn(In):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1)
    expires_at: AwareDatetime | None = Field(
        None, description="With a time zone, e.g. 2027-01-31T00:00:00Z"
    )


@router.get("/me", response=answers({200: UserOut}), summary="The caller")
def me(request):
    return request.user


@router.get("/users", response=answers({200: Page[UserOut]}))
def user_list(request, filters: Query[UserFilter]):
    """Agents see the agents (to assign); admins see everyone."""
    require_agent(request)
    if request.user.is_admin:
        users = User.objects.order_by("full_name", "email")
    else:
        users = active_agents()
    if filters.role:
        users = users.filter(role=filters.role)
    if filters.q.strip():
        users = users.filter(email__icontains=filters.q.strip()) | users.filter(
            full_name__icontains=filters.q.strip()
        )
    return page_of(users, filters.page, filters.per_page)


@router.post("/users", response=answers({201: UserOut}))
def user_create(request, payload: UserIn):
    require_admin(request)
    return Status(
        201,
        services.user_create_by_admin(
            actor=request.user,
            email=payload.email,
            full_name=payload.full_name,
            role=payload.role,
            organization=named_row(
                Organization, payload.organization_id, "organization"
            ),
        ),
    )


@router.patch("/users/{user_id}", response=answers({200: UserOut}))
def user_patch(request, user_id: str, payload: UserPatch):
    require_admin(request)
    user = row_or_404(User.objects.all(), user_id)
    changes = sent_fields(payload, keep_null=("organization_id",))
    if "organization_id" in changes:
        changes["organization"] = named_row(
            Organization, changes.pop("organization_id"), "organization"
        )
    return services.user_update_by_admin(actor=request.user, user=user, **changes)


@router.get("/api-keys", response=answers({200: list[KeyOut]}), tags=["api keys"])
def key_list(request):
    """The caller's keys (never their secrets)."""
    if not services.can_have_api_keys(request.user):
        raise ApiError(403, "Your account cannot have API keys.", "forbidden")
    return list(ApiKey.objects.filter(user=request.user))


@router.post("/api-keys", response=answers({201: KeyCreated}), tags=["api keys"])
def key_create(request, payload: KeyIn, response: HttpResponse):
    """Create a key from a signed-in browser session; the response carries
    the full key, this once. A key cannot mint keys: a leaked one would
    otherwise outlive its own revocation through the keys it made."""
    if request.api_key is not None:
        raise ApiError(
            403,
            "Create API keys while signed in (the API-keys page or this API "
            "with the browser session), not with another key.",
            "session_required",
        )
    require_second_factor(request)
    key, raw = services.api_key_create(
        user=request.user,
        name=payload.name,
        scopes=list(payload.scopes),
        expires_at=payload.expires_at,
    )
    key.key = raw  # on this response only; never stored
    response["Cache-Control"] = "no-store"
    return Status(201, key)


@router.delete("/api-keys/{key_id}", response=answers({204: None}), tags=["api keys"])
def key_revoke(request, key_id: str):
    key = row_or_404(ApiKey.objects.filter(user=request.user), key_id)
    services.api_key_revoke(actor=request.user, key=key)
    return Status(204, None)
