"""The email templates and automation rules a new helpdesk starts with.

Loaded by a data migration; admins edit them afterwards in the admin.
"""

# Every email to a customer ends the same way: a sign-off, then a footer
# with the link and why they get it. Agents' emails end with the link. In
# the text bodies a paragraph is one line (a backslash joins the source
# lines): mail programs wrap it to the reader's window.
SIGN_OFF_TEXT = """

Kind regards,
The {{ site.name }} team"""

SIGN_OFF_HTML = """
<p>Kind regards,<br>
The {{ site.name }} team</p>"""

FOOTER_TEXT = """

--
{{ links.ticket }}
You are receiving this email about {{ ticket.reference }} from {{ site.name }}."""

TEMPLATES = [
    {
        "key": "ticket_created",
        "description": "To the requester, when their ticket is opened.",
        "subject": "[{{ ticket.reference }}] {{ ticket.subject }}",
        "body_text": """Hello {{ recipient.name }},

Thank you for contacting us. We have received your request \
"{{ ticket.subject }}" and will get back to you as soon as we can. Your \
reference number is {{ ticket.reference }}.

To add anything, reply to this email or visit your request online:
{{ links.ticket }}"""
        + SIGN_OFF_TEXT
        + FOOTER_TEXT,
        "body_html": """<p>Hello {{ recipient.name }},</p>
<p>Thank you for contacting us. We have received your request
<strong>{{ ticket.subject }}</strong> and will get back to you as soon as we
can. Your reference number is {{ ticket.reference }}.</p>
<p>To add anything, reply to this email or
<a href="{{ links.ticket }}">visit your request online</a>.</p>"""
        + SIGN_OFF_HTML,
    },
    {
        "key": "ticket_created_staff",
        "description": "To the agents who own a new ticket.",
        "subject": "[{{ ticket.reference }}] New: {{ ticket.subject }}",
        "body_text": """{{ ticket.requester_name }} opened {{ ticket.reference }} \
({{ ticket.priority|lower }} priority, \
{{ ticket.department|default:"no department" }}):

{{ message.body }}

Open the ticket: {{ links.ticket }}""",
        "body_html": """<p><strong>{{ ticket.requester_name }}</strong> opened
{{ ticket.reference }} ({{ ticket.priority|lower }} priority,
{{ ticket.department|default:"no department" }}):</p>
<blockquote>{{ message.body_html }}</blockquote>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "agent_reply",
        "description": "To the requester: an agent's public reply. The agent's "
        "name is added unless the reply already ends with it.",
        "subject": "[{{ ticket.reference }}] Re: {{ ticket.subject }}",
        "body_text": """{{ message.body }}{% if message.signature %}

{{ message.signature }}{% endif %}"""
        + FOOTER_TEXT,
        "body_html": """{{ message.body_html }}{% if message.signature %}
<p>{{ message.signature }}</p>{% endif %}
<p>Reply to this email, or
<a href="{{ links.ticket }}">view {{ ticket.reference }} online</a>.</p>""",
    },
    {
        "key": "customer_reply",
        "description": "To the agents who own a ticket, when the customer replies.",
        "subject": "[{{ ticket.reference }}] Re: {{ ticket.subject }}",
        "body_text": """{{ message.author_name }} replied on {{ ticket.reference }}:

{{ message.body }}

Open the ticket: {{ links.ticket }}""",
        "body_html": """<p><strong>{{ message.author_name }}</strong> replied on
{{ ticket.reference }}:</p>
<blockquote>{{ message.body_html }}</blockquote>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "ticket_assigned",
        "description": "To an agent, when a ticket is assigned to them.",
        "subject": "[{{ ticket.reference }}] Assigned to you: {{ ticket.subject }}",
        "body_text": """{{ ticket.reference }} "{{ ticket.subject }}" is now \
assigned to you.
Requester: {{ ticket.requester_name }}
Priority: {{ ticket.priority }}

Open the ticket: {{ links.ticket }}""",
        "body_html": """<p>{{ ticket.reference }} <strong>{{ ticket.subject }}</strong>
is now assigned to you.<br>
Requester: {{ ticket.requester_name }}<br>
Priority: {{ ticket.priority }}</p>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "ticket_solved",
        "description": "To the requester, when their ticket is marked solved.",
        "subject": "[{{ ticket.reference }}] Solved: {{ ticket.subject }}",
        "body_text": """Hello {{ recipient.name }},

We have marked your request {{ ticket.reference }} "{{ ticket.subject }}" \
as solved. If anything is still not right, reply to this email and we will \
reopen it."""
        + SIGN_OFF_TEXT
        + FOOTER_TEXT,
        "body_html": """<p>Hello {{ recipient.name }},</p>
<p>We have marked your request {{ ticket.reference }}
<strong>{{ ticket.subject }}</strong> as solved. If anything is still not
right, reply to this email and we will reopen it.</p>"""
        + SIGN_OFF_HTML,
    },
    {
        "key": "ticket_closed",
        "description": "To the requester, when their ticket is closed.",
        "subject": "[{{ ticket.reference }}] Closed: {{ ticket.subject }}",
        "body_text": """Hello {{ recipient.name }},

Your request {{ ticket.reference }} "{{ ticket.subject }}" is now closed. \
If you reply to this email, we will open a new request linked to this one."""
        + SIGN_OFF_TEXT
        + FOOTER_TEXT,
        "body_html": """<p>Hello {{ recipient.name }},</p>
<p>Your request {{ ticket.reference }} <strong>{{ ticket.subject }}</strong> is
now closed. If you reply to this email, we will open a new request linked to
this one.</p>"""
        + SIGN_OFF_HTML,
    },
    {
        "key": "ticket_merged",
        "description": "To the requester, when their ticket is merged into another. "
        "The other ticket's subject and link appear only if they may open it.",
        "subject": "[{{ ticket.reference }}] Merged into {{ merged.reference }}: "
        "{{ ticket.subject }}",
        "body_text": """Hello {{ recipient.name }},

Your request {{ ticket.reference }} "{{ ticket.subject }}" was merged into \
{% if merged.visible %}{{ merged.reference }} "{{ merged.subject }}". \
We will answer you there:
{{ merged.link }}{% else %}{{ merged.reference }}, where we will go on \
working on it. If you have anything to add, reply to this email.{% endif %}"""
        + SIGN_OFF_TEXT
        + FOOTER_TEXT,
        "body_html": """<p>Hello {{ recipient.name }},</p>
<p>Your request {{ ticket.reference }} <strong>{{ ticket.subject }}</strong>
was merged into {% if merged.visible %}
<a href="{{ merged.link }}">{{ merged.reference }}
<strong>{{ merged.subject }}</strong></a>. We will answer you there.{% else %}
{{ merged.reference }}, where we will go on working on it. If you have
anything to add, reply to this email.{% endif %}</p>"""
        + SIGN_OFF_HTML,
    },
    {
        "key": "sla_warning",
        "description": "To the agents who own a ticket whose SLA target is near.",
        "subject": "[{{ ticket.reference }}] SLA at risk: {{ sla.target }} due soon",
        "body_text": """The {{ sla.target }} target of {{ ticket.reference }} \
"{{ ticket.subject }}" is due soon ({{ ticket.priority|lower }} priority).

Open the ticket: {{ links.ticket }}""",
        "body_html": """<p>The <strong>{{ sla.target }}</strong> target of
{{ ticket.reference }} <em>{{ ticket.subject }}</em> is due soon
({{ ticket.priority|lower }} priority).</p>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "sla_breach",
        "description": "To the agents who own a ticket whose SLA target was missed.",
        "subject": "[{{ ticket.reference }}] SLA breached: {{ sla.target }} overdue",
        "body_text": """The {{ sla.target }} target of {{ ticket.reference }} \
"{{ ticket.subject }}" was missed. The ticket is now \
{{ ticket.priority|lower }} priority.

Open the ticket: {{ links.ticket }}""",
        "body_html": """<p>The <strong>{{ sla.target }}</strong> target of
{{ ticket.reference }} <em>{{ ticket.subject }}</em> was missed. The ticket is
now {{ ticket.priority|lower }} priority.</p>
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "satisfaction_survey",
        "description": "To the requester, when their ticket is solved: the "
        "satisfaction survey. Its Good and Bad links ({{ survey.good }}, "
        "{{ survey.bad }}) are only ever made for the requester; with surveys "
        "turned off (CSAT_ENABLED) this email is not sent.",
        "subject": "[{{ ticket.reference }}] How did we do? {{ ticket.subject }}",
        "body_text": """Hello {{ recipient.name }},

Your request {{ ticket.reference }} "{{ ticket.subject }}" is solved. \
How would you rate the support you received?

Good: {{ survey.good }}

Bad: {{ survey.bad }}

One click records your answer, and you can add a comment after it. You can \
change your rating later with the same links; they work for \
{{ survey.days }} days."""
        + SIGN_OFF_TEXT
        + FOOTER_TEXT,
        "body_html": """<p>Hello {{ recipient.name }},</p>
<p>Your request {{ ticket.reference }} <strong>{{ ticket.subject }}</strong>
is solved. How would you rate the support you received?</p>
<p><a href="{{ survey.good }}"><strong>&#9786; Good</strong></a>
&nbsp;&nbsp;&nbsp;
<a href="{{ survey.bad }}"><strong>&#9785; Bad</strong></a></p>
<p>One click records your answer, and you can add a comment after it. You can
change your rating later with the same links; they work for {{ survey.days }}
days.</p>"""
        + SIGN_OFF_HTML,
    },
    {
        "key": "satisfaction_bad_staff",
        "description": "To the agents who own a ticket, when its requester rates "
        "the support Bad (or changes their rating to Bad).",
        "subject": "[{{ ticket.reference }}] Rated bad: {{ ticket.subject }}",
        "body_text": """{{ ticket.requester_name }} rated the support on \
{{ ticket.reference }} "{{ ticket.subject }}" as Bad.\
{% if satisfaction.comment %}

Their comment:
{{ satisfaction.comment }}{% endif %}

Open the ticket: {{ links.ticket }}""",
        "body_html": """<p><strong>{{ ticket.requester_name }}</strong> rated the
support on {{ ticket.reference }} <em>{{ ticket.subject }}</em> as
<strong>Bad</strong>.</p>{% if satisfaction.comment %}
<p>Their comment:</p>
<blockquote>{{ satisfaction.comment|linebreaksbr }}</blockquote>{% endif %}
<p><a href="{{ links.ticket }}">Open the ticket</a></p>""",
    },
    {
        "key": "inbound_refused",
        "description": "To an unknown sender, when email may not open tickets.",
        "subject": "Re: {{ original_subject }}",
        "body_text": """Hello,

Thank you for writing to {{ site.name }} about "{{ original_subject }}". We \
can only accept requests from registered customers, so your message has not \
been received as a request. Please sign in, or ask us for an account, here:
{{ links.portal }}"""
        + SIGN_OFF_TEXT,
        "body_html": """<p>Hello,</p>
<p>Thank you for writing to {{ site.name }} about
<strong>{{ original_subject }}</strong>. We can only accept requests from
registered customers, so your message has not been received as a request.
Please <a href="{{ links.portal }}">sign in, or ask us for an account</a>.</p>"""
        + SIGN_OFF_HTML,
    },
    {
        "key": "integration_disabled",
        "description": "To every admin, when the helpdesk switches off a Teams "
        "connector or a webhook endpoint that keeps failing.",
        "subject": "{{ integration.kind }} switched off: {{ integration.name }}",
        "body_text": """The helpdesk switched off the {{ integration.kind }} \
"{{ integration.name }}".

Why: {{ integration.reason }}

Nothing more is sent to it until an admin turns it back on:
{{ integration.link }}""",
        "body_html": """<p>The helpdesk switched off the {{ integration.kind }}
<strong>{{ integration.name }}</strong>.</p>
<p>Why: {{ integration.reason }}</p>
<p>Nothing more is sent to it until an admin
<a href="{{ integration.link }}">turns it back on</a>.</p>""",
    },
]

# event, recipient, template key
RULES = [
    ("ticket_created", "requester", "ticket_created"),
    ("ticket_created", "owners", "ticket_created_staff"),
    ("agent_reply", "requester", "agent_reply"),
    ("customer_reply", "owners", "customer_reply"),
    ("ticket_assigned", "assignee", "ticket_assigned"),
    ("ticket_solved", "requester", "ticket_solved"),
    ("ticket_closed", "requester", "ticket_closed"),
    ("ticket_merged", "requester", "ticket_merged"),
    ("sla_warning", "owners", "sla_warning"),
    ("sla_breach", "owners", "sla_breach"),
    ("ticket_solved", "requester", "satisfaction_survey"),
    ("satisfaction_bad", "owners", "satisfaction_bad_staff"),
]

# Cards posted to Microsoft Teams (to the ticket's team's connector, else its
# department's, else the default one): event, priority ("" for any), name.
TEAMS_RULES = [
    ("ticket_created", "urgent", "New urgent ticket: post to Teams"),
    ("sla_warning", "", "SLA target at risk: post to Teams"),
    ("sla_breach", "", "SLA target breached: post to Teams"),
    ("satisfaction_bad", "", "Rated bad: post to Teams"),
]
