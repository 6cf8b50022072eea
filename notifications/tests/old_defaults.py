"""The default templates as migrations 0002 and 0004 seeded them, before issue 11
reworded them: what migration 0005 recognises as never edited."""

PORTAL_FOOTER_TEXT = """
--
{{ links.ticket }}
You get this email about {{ ticket.reference }} from {{ site.name }}."""

TEMPLATES = [
    {
        "key": "ticket_created",
        "description": "To the requester, when their ticket is opened.",
        "subject": "[{{ ticket.reference }}] {{ ticket.subject }}",
        "body_text": """Hello {{ recipient.name }},

we have received your request "{{ ticket.subject }}" and will get back to you
soon. Its number is {{ ticket.reference }}.

To add something, reply to this email or open {{ links.ticket }}
"""
        + PORTAL_FOOTER_TEXT,
        "body_html": """<p>Hello {{ recipient.name }},</p>
<p>we have received your request <strong>{{ ticket.subject }}</strong> and will get
back to you soon. Its number is {{ ticket.reference }}.</p>
<p>To add something, reply to this email or
<a href="{{ links.ticket }}">open your request</a>.</p>""",
    },
    {
        "key": "ticket_created_staff",
        "description": "To the agents who own a new ticket.",
        "subject": "[{{ ticket.reference }}] New: {{ ticket.subject }}",
        "body_text": """{{ ticket.requester_name }} opened {{ ticket.reference }}
({{ ticket.priority }} priority, {{ ticket.department|default:"no department" }}).

{{ message.body }}

Open it: {{ links.ticket }}
""",
        "body_html": """<p><strong>{{ ticket.requester_name }}</strong> opened
{{ ticket.reference }} ({{ ticket.priority }} priority,
{{ ticket.department|default:"no department" }}).</p>
<blockquote>{{ message.body_html }}</blockquote>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "agent_reply",
        "description": "To the requester: an agent's public reply.",
        "subject": "[{{ ticket.reference }}] Re: {{ ticket.subject }}",
        "body_text": """{{ message.body }}

{{ message.author_name }}
"""
        + PORTAL_FOOTER_TEXT,
        "body_html": """{{ message.body_html }}
<p>{{ message.author_name }}</p>
<p style="color:#6c757d;font-size:12px">Reply to this email, or
<a href="{{ links.ticket }}">open {{ ticket.reference }}</a>.</p>""",
    },
    {
        "key": "customer_reply",
        "description": "To the agents who own a ticket, when the customer replies.",
        "subject": "[{{ ticket.reference }}] Re: {{ ticket.subject }}",
        "body_text": """{{ message.author_name }} replied on {{ ticket.reference }}:

{{ message.body }}

Open it: {{ links.ticket }}
""",
        "body_html": """<p><strong>{{ message.author_name }}</strong> replied on
{{ ticket.reference }}:</p>
<blockquote>{{ message.body_html }}</blockquote>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "ticket_assigned",
        "description": "To an agent, when a ticket is assigned to them.",
        "subject": "[{{ ticket.reference }}] Assigned to you: {{ ticket.subject }}",
        "body_text": """{{ ticket.reference }} "{{ ticket.subject }}" is now yours.
Requester: {{ ticket.requester_name }}. Priority: {{ ticket.priority }}.

Open it: {{ links.ticket }}
""",
        "body_html": """<p>{{ ticket.reference }} <strong>{{ ticket.subject }}</strong>
is now yours. Requester: {{ ticket.requester_name }}. Priority:
{{ ticket.priority }}.</p>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "ticket_solved",
        "description": "To the requester, when their ticket is marked solved.",
        "subject": "[{{ ticket.reference }}] Solved: {{ ticket.subject }}",
        "body_text": """Hello {{ recipient.name }},

we have marked your request {{ ticket.reference }} as solved. If something is
still wrong, just reply to this email and it opens again.
"""
        + PORTAL_FOOTER_TEXT,
        "body_html": """<p>Hello {{ recipient.name }},</p>
<p>we have marked your request {{ ticket.reference }} as solved. If something is
still wrong, just reply to this email and it opens again.</p>""",
    },
    {
        "key": "ticket_closed",
        "description": "To the requester, when their ticket is closed.",
        "subject": "[{{ ticket.reference }}] Closed: {{ ticket.subject }}",
        "body_text": """Hello {{ recipient.name }},

your request {{ ticket.reference }} is now closed. Replying to this email opens
a new request that links to it.
"""
        + PORTAL_FOOTER_TEXT,
        "body_html": """<p>Hello {{ recipient.name }},</p>
<p>your request {{ ticket.reference }} is now closed. Replying to this email
opens a new request that links to it.</p>""",
    },
    {
        "key": "sla_warning",
        "description": "To the agents who own a ticket whose SLA target is near.",
        "subject": "[{{ ticket.reference }}] At risk: {{ sla.target }} due soon",
        "body_text": """The {{ sla.target }} target of {{ ticket.reference }}
"{{ ticket.subject }}" is due soon ({{ ticket.priority }} priority).

Open it: {{ links.ticket }}
""",
        "body_html": """<p>The <strong>{{ sla.target }}</strong> target of
{{ ticket.reference }} <em>{{ ticket.subject }}</em> is due soon
({{ ticket.priority }} priority).</p>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "sla_breach",
        "description": "To the agents who own a ticket whose SLA target was missed.",
        "subject": "[{{ ticket.reference }}] Breached: {{ sla.target }} overdue",
        "body_text": """The {{ sla.target }} target of {{ ticket.reference }}
"{{ ticket.subject }}" was missed. It is now {{ ticket.priority }} priority.

Open it: {{ links.ticket }}
""",
        "body_html": """<p>The <strong>{{ sla.target }}</strong> target of
{{ ticket.reference }} <em>{{ ticket.subject }}</em> was missed. It is now
{{ ticket.priority }} priority.</p>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "inbound_refused",
        "description": "To an unknown sender, when email may not open tickets.",
        "subject": "Re: {{ original_subject }}",
        "body_text": """Hello,

thank you for writing to {{ site.name }}. We can only accept requests from
registered customers, so your message has not opened a ticket. Please sign in
or ask for an account at {{ links.portal }}.
""",
        "body_html": "",
    },
]
