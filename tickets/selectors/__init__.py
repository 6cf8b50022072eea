"""Reads: every list or lookup returns only what the user may see.

List selectors fetch everything their rows show in a fixed number of queries,
so pages cost the same with 5 rows or 500. Split by subject; import from the
package: ``from tickets import selectors``.
"""

from .counts import (
    CountAtLeast,
    agent_dashboard,
    agent_view_counts,
)
from .detail import (
    agent_ticket_detail,
    attachment_get_for,
    canned_for,
    conversation_for,
    event_list_for,
    portal_ticket_detail,
    saved_filters_for,
    ticket_presence,
)
from .lists import (
    SORTS,
    VIEWS,
    TicketFilters,
    agent_list_partitions,
    agent_ticket_list,
    portal_list_partitions,
    portal_ticket_list,
    sort_order,
)
from .merges import (
    MERGE_CHAIN_MAX_HOPS,
    MergeChainBroken,
    MergePreview,
    ticket_merge_live_for,
    ticket_merge_preview,
    ticket_merge_target_live,
)
from .search import (
    SearchResults,
    search_everywhere,
    search_ticket_by_number,
)
from .seek import SeekOrder, SeekPage, seek_page
from .visibility import (
    ticket_get_for,
    ticket_get_for_agent,
    ticket_list_visible_to,
    ticket_visibility_condition,
)

__all__ = [
    "MERGE_CHAIN_MAX_HOPS",
    "SORTS",
    "VIEWS",
    "CountAtLeast",
    "MergeChainBroken",
    "MergePreview",
    "SearchResults",
    "SeekOrder",
    "SeekPage",
    "TicketFilters",
    "agent_dashboard",
    "agent_list_partitions",
    "agent_ticket_detail",
    "agent_ticket_list",
    "agent_view_counts",
    "attachment_get_for",
    "canned_for",
    "conversation_for",
    "event_list_for",
    "portal_list_partitions",
    "portal_ticket_detail",
    "portal_ticket_list",
    "saved_filters_for",
    "search_everywhere",
    "search_ticket_by_number",
    "seek_page",
    "sort_order",
    "ticket_get_for",
    "ticket_get_for_agent",
    "ticket_list_visible_to",
    "ticket_merge_live_for",
    "ticket_merge_preview",
    "ticket_merge_target_live",
    "ticket_presence",
    "ticket_visibility_condition",
]
