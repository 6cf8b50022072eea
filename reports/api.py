from ninja import Query, Router, Schema
from pydantic import Field

from helpdesk.api_tools import In, answers, require_agent

from .selectors import summary_for

router = Router(tags=["reports"])


class SummaryIn(In):
    days: int = Field(7, ge=1, le=366)


class SummaryOut(Schema):
    days: int
    by_status: dict[str, int]
    open_by_priority: dict[str, int]
    created: int
    solved: int
    unassigned: int
    sla_breaches: int


@router.get("/reports/summary", response=answers({200: SummaryOut}))
def summary(request, params: Query[SummaryIn]):
    """Open work by status and priority; tickets created, solved and SLA
    breaches over the last ``days`` days. Agents only."""
    require_agent(request)
    return summary_for(request.user, days=params.days)
