"""Writes for ticket deflection: a customer opening a suggested article.

Whether an open deflected a ticket is not stored: the report decides it when
it is read, from the customer's tickets (``knowledge.report_selectors``), so
creating a ticket needs no hook into this app.
"""

from accounts.models import User
from helpdesk.db import atomic

from ..models import Article, SuggestionOpen

QUERY_MAX = SuggestionOpen._meta.get_field("query").max_length


@atomic
def suggestion_open_record(
    *, user: User, article: Article, query: str = ""
) -> SuggestionOpen:
    """Record that ``user`` opened ``article`` from the new-ticket form's
    suggestions for ``query`` (cut to the column's 255 characters).

    The caller has checked that ``user`` may read ``article``; only
    customers' opens are worth recording (the deflection rate is about them).
    """
    return SuggestionOpen.objects.create(
        user=user, article=article, query=query.strip()[:QUERY_MAX]
    )
