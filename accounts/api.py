"""The API's view of people: the caller, users, and the caller's API keys."""

from datetime import datetime
from typing import Literal

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, Field

from helpdesk.api import ApiError, count_failure, refuse_if_failing
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


class TokenIn(In):
    email: str = Field(min_length=3, max_length=254, json_schema_extra=EMAIL)
    password: str = Field(min_length=1, max_length=4096)
    code: str = Field(
        "",
        max_length=32,
        description="A code from the authenticator app or a backup code; "
        "required when the account has two-factor authentication.",
    )
    scopes: list[Scope] = Field(default_factory=lambda: ["read", "write"], min_length=1)


class TokenOut(Schema):
    token: str = Field(
        description="Send it as `Authorization: Bearer <token>`. Shown this once."
    )
    token_type: Literal["Bearer"]
    expires_at: datetime
    scopes: list[Scope]
    second_factor: bool = Field(
        description="A code was checked: admin operations need this."
    )


@router.post(
    "/auth/token",
    auth=None,
    response=answers({200: TokenOut}),
    tags=["auth"],
    summary="Sign in: get a short-lived token",
)
def token_create(request, payload: TokenIn, response: HttpResponse):
    """Trade email, password and, for accounts with two-factor
    authentication, a current code (app or backup) for a bearer token that
    lasts API_TOKEN_TTL_MINUTES, with the scopes asked for.

    The password check is the web sign-in's: wrong ones count towards the
    same lockout (429 `locked_out` once locked, for the account from that
    address), and wrong passwords or codes count towards the per-address
    limit (429 `too_many_failures`). 401 `invalid_credentials`,
    `code_required` or `wrong_code`; 403 when the account may not use the
    API, has not confirmed its address, or must first enrol an authenticator
    (`mfa_enrolment_required`, done on the web).
    """
    refuse_if_failing(request)
    locked = ApiError(
        429,
        "Too many failed sign-ins: locked for "
        f"{round(settings.AXES_COOLOFF_TIME * 60)} minutes.",
        "locked_out",
        {"retry_after": round(settings.AXES_COOLOFF_TIME * 3600)},
    )
    # Asked first and in so many words: the lockout of the web sign-in
    # (django-axes, same records) refuses before the password is checked.
    # Axes' backend alone would not: it hands accounts.security.axes_username
    # the address under "email", which reads "username" or else the POSTed
    # form field, and a JSON body has no form fields.
    if not AxesProxyHandler.is_allowed(request, {"username": payload.email}):
        raise locked
    user = authenticate(request, username=payload.email, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            # This failure locked the account: say so here, in JSON, rather
            # than let axes' middleware answer with the sign-in page.
            request.axes_locked_out = False
            raise locked
        if getattr(request, "account_awaiting_confirmation", None) is not None:
            # The password was right (AccountBackend says so without a second
            # hash), as on the web sign-in form: say why, in JSON.
            raise ApiError(
                403,
                "This account cannot sign in yet: confirm your email address first.",
                "sign_in_refused",
            )
        count_failure(request)
        raise ApiError(
            401,
            "That email address and password do not match an account.",
            "invalid_credentials",
        )
    if not services.token_sign_in_allowed(user):
        raise ApiError(
            403,
            "This account cannot sign in yet: confirm your email address first.",
            "sign_in_refused",
        )
    if not services.can_have_api_keys(user):
        raise ApiError(403, "Your account cannot use the API.", "forbidden")
    second_factor = services.mfa_has_device(user)
    if second_factor:
        if not payload.code.strip():
            raise ApiError(
                401,
                "Send a code from your authenticator app (or a backup code).",
                "code_required",
                {"code": ["Required for this account."]},
            )
        try:
            services.mfa_verify(user=user, code=payload.code)
        except services.MFAError as error:
            if error.code == "throttled":
                raise ApiError(429, error.message, "throttled") from None
            count_failure(request)
            raise ApiError(401, error.message, "wrong_code") from None
    elif services.mfa_required(user):
        raise ApiError(
            403,
            "Your role must use two-factor authentication: set it up on the web "
            "first (Profile > Two-factor authentication).",
            "mfa_enrolment_required",
        )
    token, raw = services.api_token_create(
        user=user, scopes=list(payload.scopes), second_factor=second_factor
    )
    # Resets the lockout count and records the sign-in, as the web does.
    user_logged_in.send(sender=type(user), request=request, user=user)
    response["Cache-Control"] = "no-store"
    return {
        "token": raw,
        "token_type": "Bearer",
        "expires_at": token.expires_at,
        "scopes": token.scope_list,
        "second_factor": token.second_factor,
    }


@router.delete(
    "/auth/token",
    response=answers({204: None}),
    tags=["auth"],
    summary="Sign out: revoke this token",
)
def token_revoke(request):
    """Revoke the token this call is made with; it stops working at once. An
    API key or a session is refused (400): revoke keys by id."""
    key = request.api_key
    if key is None or key.kind != ApiKey.Kind.TOKEN:
        raise ApiError(
            400,
            "Call this with the sign-in token to revoke (Authorization: Bearer).",
            "not_a_token",
        )
    services.api_key_revoke(actor=request.user, key=key)
    return Status(204, None)


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
    return list(ApiKey.objects.filter(user=request.user, kind=ApiKey.Kind.KEY))


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
