"""Categories (everyone reads, admins write) and canned responses (agents)."""

from ninja import Router, Status
from pydantic import Field

from helpdesk.api_tools import (
    In,
    RowOut,
    answers,
    named_row,
    require_admin,
    require_agent,
    row_or_404,
    sent_fields,
    text_id,
)
from organizations.models import Department

from .. import selectors, services
from ..models import CannedResponse, Category

router = Router()

# --- Shapes ----------------------------------------------------------------


class CategoryOut(RowOut):
    name: str
    slug: str
    default_department_id: str | None
    active: bool

    @staticmethod
    def resolve_default_department_id(obj) -> str | None:
        return text_id(obj.default_department_id)


class CategoryIn(In):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")
    default_department_id: str | None = None
    active: bool = True


class CategoryPatch(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    default_department_id: str | None = Field(None, description="null clears it")
    active: bool | None = None


class CannedOut(RowOut):
    title: str
    body: str
    shared: bool
    owner_id: str

    @staticmethod
    def resolve_owner_id(obj) -> str:
        return text_id(obj.owner_id)


class CannedIn(In):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    shared: bool = False


# --- Categories -------------------------------------------------------------


@router.get(
    "/categories", response=answers({200: list[CategoryOut]}), tags=["categories"]
)
def category_list(request):
    """Active categories for everyone; inactive ones too for agents."""
    categories = Category.objects.order_by("name")
    if not request.user.is_agent:
        categories = categories.filter(active=True)
    return list(categories)


@router.post("/categories", response=answers({201: CategoryOut}), tags=["categories"])
def category_create(request, payload: CategoryIn):
    require_admin(request)
    category = services.category_save(
        actor=request.user,
        category=Category(),
        name=payload.name,
        slug=payload.slug,
        default_department=named_row(
            Department, payload.default_department_id, "department"
        ),
        active=payload.active,
    )
    return Status(201, category)


@router.patch(
    "/categories/{category_id}",
    response=answers({200: CategoryOut}),
    tags=["categories"],
)
def category_patch(request, category_id: str, payload: CategoryPatch):
    require_admin(request)
    category = row_or_404(Category.objects.all(), category_id)
    sent = sent_fields(payload, keep_null=("default_department_id",))
    if "default_department_id" in sent:
        sent["default_department"] = named_row(
            Department, sent.pop("default_department_id"), "department"
        )
    return services.category_save(actor=request.user, category=category, **sent)


# --- Canned responses -------------------------------------------------------


@router.get(
    "/canned-responses",
    response=answers({200: list[CannedOut]}),
    tags=["canned responses"],
)
def canned_list(request):
    require_agent(request)
    return list(selectors.canned_for(request.user).order_by("title"))


@router.post(
    "/canned-responses", response=answers({201: CannedOut}), tags=["canned responses"]
)
def canned_create(request, payload: CannedIn):
    require_agent(request)
    return Status(
        201,
        services.canned_create(
            actor=request.user,
            title=payload.title,
            body=payload.body,
            shared=payload.shared,
        ),
    )


def _canned(request, canned_id: str) -> CannedResponse:
    """One of the responses the agent has (their own and the shared ones);
    whether they may change it is the service's rule."""
    require_agent(request)
    return row_or_404(selectors.canned_for(request.user), canned_id)


@router.put(
    "/canned-responses/{canned_id}",
    response=answers({200: CannedOut}),
    tags=["canned responses"],
)
def canned_update(request, canned_id: str, payload: CannedIn):
    response = _canned(request, canned_id)
    return services.canned_update(
        actor=request.user,
        response=response,
        title=payload.title,
        body=payload.body,
        shared=payload.shared,
    )


@router.delete(
    "/canned-responses/{canned_id}",
    response=answers({204: None}),
    tags=["canned responses"],
)
def canned_delete(request, canned_id: str):
    services.canned_delete(
        actor=request.user,
        response=_canned(request, canned_id),
    )
    return Status(204, None)
