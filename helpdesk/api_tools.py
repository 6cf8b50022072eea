"""Small pieces the API routers share: ids, lookups, role checks and paging."""

from typing import Any, Generic, TypeVar

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest
from ninja import Schema
from pydantic import field_validator

from accounts.services import second_factor_passed

from .api import ApiError
from .shortcuts import get_or_404, id_value

Item = TypeVar("Item")
MAX_PER_PAGE = 100


class ErrorOut(Schema):
    """Every error: a sentence, a stable code, and details per field."""

    detail: str
    code: str
    errors: dict[str, Any]


ERROR_CODES = (400, 401, 403, 404, 409, 413, 429)


def answers(ok: dict) -> dict:
    """A route's documented responses: its own, and the errors any may give."""
    return {**ok, **dict.fromkeys(ERROR_CODES, ErrorOut)}


def has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(has_nul(item) for item in value)
    return False


class In(Schema):
    """What a caller sends. No text may hold a NUL character: PostgreSQL
    cannot store one, and Django's form fields refuse them as well."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        if has_nul(value):
            raise ValueError("NUL characters are not allowed.")
        return value


class RowOut(Schema):
    """A stored row as the API shows it. Ids are strings, so they mean the
    same on every database (integers on SQL, object ids on MongoDB)."""

    id: str

    @staticmethod
    def resolve_id(obj) -> str:
        return str(obj.pk)


def text_id(pk) -> str | None:
    return None if pk is None else str(pk)


# --- Ids from callers ---------------------------------------------------------
# Every id a caller sends (path, query string, body) goes through ``id_value``
# (helpdesk.shortcuts) before it reaches a query: one that no row can have is a
# 404 in a path, a 400 naming the field elsewhere.

row_or_404 = get_or_404


def query_id(model: type[Model], raw: str | None, label: str):
    """An id from the query string, checked, or None when none was sent; an
    id no row can have is a 400 naming the parameter."""
    if raw in (None, ""):
        return None
    value = id_value(model, raw)
    if value is None:
        raise ApiError(
            400, f"{raw!r} is not an id.", "invalid", {label: ["Not an id."]}
        )
    return value


def named_row(model, pk: str | None, label: str):
    """The row a request body names by id, or None for null. An unknown or
    malformed id is the caller's mistake in that field: a 400 naming it."""
    if pk is None:
        return None
    try:
        return row_or_404(model.objects.all(), pk)
    except Http404:
        raise ApiError(
            400, f"There is no {label} {pk}.", "invalid", {f"{label}_id": ["Unknown."]}
        ) from None


def named_rows(model, pks: list[str], label: str) -> list:
    """The rows a body lists by id, in one query; any unknown id is a 400."""
    unknown = ApiError(
        400, f"Some {label} ids are unknown.", "invalid", {f"{label}_ids": ["Unknown."]}
    )
    wanted = {id_value(model, pk) for pk in pks}
    if None in wanted:
        raise unknown
    rows = list(model.objects.filter(pk__in=wanted))
    if len(rows) != len(wanted):
        raise unknown
    return rows


def sent_fields(payload: Schema, *, keep_null: tuple[str, ...] = ()) -> dict:
    """The fields a PATCH sent. A null means "leave it" except for the fields
    in ``keep_null``, where it clears a relation."""
    return {
        name: value
        for name, value in payload.model_dump(exclude_unset=True).items()
        if value is not None or name in keep_null
    }


class Page(Schema, Generic[Item]):
    count: int
    page: int
    per_page: int
    pages: int
    results: list[Item]


def page_of(queryset, page: int, per_page: int, convert=None) -> dict:
    """One page of a queryset with the total; an out-of-range page is empty."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    paginator = Paginator(queryset, per_page)
    try:
        items = list(paginator.page(page).object_list) if page >= 1 else []
    except EmptyPage:
        items = []
    return {
        "count": paginator.count,
        "page": page,
        "per_page": per_page,
        "pages": paginator.num_pages,
        "results": [convert(item) for item in items] if convert else items,
    }


def require_agent(request: HttpRequest) -> None:
    if not request.user.is_agent:
        raise ApiError(403, "Only agents and admins may use this.", "agents_only")


def require_second_factor(request: HttpRequest) -> None:
    """A 403 unless the caller proved a second factor (a verified session, an
    API key, or a token issued against a code): see second_factor_passed."""
    if not second_factor_passed(request.user, getattr(request, "api_key", None)):
        raise ApiError(
            403,
            "This needs a session that passed two-factor authentication: turn it "
            "on under Profile > Two-factor authentication and sign in with a code.",
            "second_factor_required",
        )


def require_admin(request: HttpRequest) -> None:
    """Admins only, and only with a proven second factor, whatever
    MFA_REQUIRED_ROLES says: a stolen admin password alone changes nothing."""
    if not request.user.is_admin:
        raise ApiError(403, "Only admins may do this.", "admins_only")
    require_second_factor(request)
