"""The words of the demo data: people, organizations and conversations."""

DEMO_PASSWORD = "helpdesk-demo"  # noqa: S105 - printed for the demo logins

ORGANIZATIONS = [
    # name, slug, domain, shares tickets
    ("Acme Corporation", "acme", "acme.example", True),
    ("Globex", "globex", "globex.example", False),
    ("Initech", "initech", "initech.example", True),
]

DEPARTMENTS = [
    # name, slug, inbound address, teams
    ("Support", "support", "support@helpdesk.example", ["Tier 1", "Tier 2"]),
    ("Billing", "billing", "billing@helpdesk.example", ["Invoices"]),
]

ADMIN = ("admin@helpdesk.example", "Ada Admin")

AGENTS = [
    # email, name, department slug, team name
    ("agent@helpdesk.example", "Sam Agent", "support", "Tier 1"),
    ("priya@helpdesk.example", "Priya Raman", "support", "Tier 1"),
    ("marco@helpdesk.example", "Marco Bianchi", "support", "Tier 2"),
    ("lena@helpdesk.example", "Lena Vogel", "support", "Tier 2"),
    ("tom@helpdesk.example", "Tom Okafor", "billing", "Invoices"),
    ("yuki@helpdesk.example", "Yuki Tanaka", "billing", "Invoices"),
]

CUSTOMERS = [
    # email, name (organization comes from the email domain)
    ("customer@acme.example", "Casey Customer"),
    ("wile@acme.example", "Wile Coyote"),
    ("road@acme.example", "Rhoda Runner"),
    ("bugs@acme.example", "Bugs Bunny"),
    ("daffy@acme.example", "Daffy Duck"),
    ("hank@globex.example", "Hank Scorpio"),
    ("homer@globex.example", "Homer Simpson"),
    ("frank@globex.example", "Frank Grimes"),
    ("lenny@globex.example", "Lenny Leonard"),
    ("carl@globex.example", "Carl Carlson"),
    ("peter@initech.example", "Peter Gibbons"),
    ("milton@initech.example", "Milton Waddams"),
    ("joanna@initech.example", "Joanna Flores"),
    ("bill@initech.example", "Bill Lumbergh"),
    ("samir@initech.example", "Samir Nagheenanajar"),
    ("michael@initech.example", "Michael Bolton"),
    ("jane@mail.example", "Jane Doe"),
    ("john@mail.example", "John Roe"),
    ("maria@mail.example", "María García"),
    ("li@mail.example", "Li Wei"),
]

CATEGORIES = [
    # name, slug, department slug
    ("Account access", "account-access", "support"),
    ("Bug report", "bug-report", "support"),
    ("How do I…", "how-do-i", "support"),
    ("Outage", "outage", "support"),
    ("Feature request", "feature-request", "support"),
    ("Invoices and payments", "invoices", "billing"),
    ("Plans and pricing", "plans", "billing"),
]

# subject, category slug, customer's opening, agent's reply, customer's follow-up
SCENARIOS = [
    (
        "Cannot log in after password reset",
        "account-access",
        "I reset my password this morning but the login page still says my "
        "credentials are wrong. I tried two browsers.",
        "Thanks for the details. I have cleared the lockout on your account; "
        "please try again with the new password and let me know.",
        "That worked, thank you!",
    ),
    (
        "Invoice INV-2291 charged twice",
        "invoices",
        "Our card was charged twice for invoice INV-2291 on the 3rd. Can you "
        "refund the duplicate?",
        "I can see both charges. I have refunded the second one; it takes 3-5 "
        "business days to show on your statement.",
        "Great, I'll keep an eye on it.",
    ),
    (
        "Export to CSV drops accented characters",
        "bug-report",
        "When I export the contacts list to CSV, names like 'José' become "
        "'JosÃ©'. Screenshot attached in my head, sorry.",
        "I reproduced it: the export is UTF-8 but Excel reads it as Latin-1. "
        "Use Data > From Text and choose UTF-8 while we add a BOM.",
        "Import via Data > From Text works. Looking forward to the fix.",
    ),
    (
        "How do I add a colleague to our account?",
        "how-do-i",
        "We hired a new analyst. How do I give her access to our dashboards?",
        "Go to Settings > Team, click Invite and enter her email. She will get "
        "a link valid for 7 days.",
        "Found it, thanks.",
    ),
    (
        "Dashboard not loading since 09:00",
        "outage",
        "The dashboard shows a spinner forever since about 09:00 CET. Nothing "
        "changed on our side.",
        "We had a degraded database node between 08:52 and 09:40 CET. It is "
        "fixed; can you confirm the dashboard loads now?",
        "Loads fine now.",
    ),
    (
        "Request: dark mode",
        "feature-request",
        "Half our team works at night. Any plans for a dark theme?",
        "It is on our roadmap for next quarter; I have added your vote.",
        "Thanks for passing it on.",
    ),
    (
        "Upgrade from Starter to Business plan",
        "plans",
        "We'd like to move to the Business plan from next month. Do we pay "
        "the difference pro rata?",
        "Yes, the upgrade is prorated to the day. I can switch you now or on "
        "the 1st, whichever you prefer.",
        "The 1st, please.",
    ),
    (
        "Two-factor codes not accepted",
        "account-access",
        "My authenticator codes are refused every time. My phone's clock is "
        "set automatically.",
        "Codes are refused when the server and phone disagree by more than 30 "
        "seconds. Could you send the time your phone shows right now?",
        "It showed 10:14:05 when I wrote this.",
    ),
    (
        "VAT number missing on invoices",
        "invoices",
        "Our invoices don't show our VAT number, which our accountant needs.",
        "I have added VAT number DE123456789 to your billing profile; future "
        "invoices will show it. Shall I reissue the last three?",
        "Yes please, reissue them.",
    ),
    (
        "API returns 500 on /v2/reports",
        "bug-report",
        "Since yesterday GET /v2/reports?from=2026-01-01 answers 500. Other "
        "endpoints are fine.",
        "Thanks, the date filter breaks on a leap-day edge case. A fix ships "
        "tonight; until then, pass an explicit 'to' date.",
        "Workaround confirmed.",
    ),
    (
        "Where do I change my notification emails?",
        "how-do-i",
        "I get an email for every comment. Can I get a daily summary instead?",
        "Profile > Notifications > Digest lets you pick daily or weekly.",
        "Perfect.",
    ),
    (
        "Slow search in large projects",
        "bug-report",
        "Searching in our biggest project takes 20+ seconds. Smaller ones are instant.",
        "We are rebuilding the search index for your project; it should be "
        "fast within the hour. I'll check back.",
        "Still slow at the moment.",
    ),
]

INTERNAL_NOTES = [
    "Checked the logs: nothing unusual on our side.",
    "Customer is on the Business plan; priority support applies.",
    "Waiting on the payment provider to confirm the refund.",
    "Escalated to engineering, see the linked bug.",
    "Second time this month for this customer; keep an eye on it.",
]

# A customer writing again before anyone answered.
NUDGES = [
    "Is there any update on this? It is still happening.",
    "Just checking in: we still need help with this one.",
    "Any news? A colleague has the same problem now.",
]

BULK_SUBJECTS = [
    "Cannot log in",
    "Question about my invoice",
    "Error when saving a report",
    "Feature request: export to PDF",
    "Password reset email not arriving",
    "Page loads slowly",
    "Need to change billing address",
    "Integration stopped syncing",
    "How do I archive a project?",
    "Refund request",
]

BULK_BODIES = [
    # the customer's request, the agent's answer, the customer's reply
    "Hello, since this morning I see an error when I try this. Could you "
    "look into it? Thanks.",
    "Thanks for the report. Could you clear your browser cache and try "
    "again? Let me know whether it still happens.",
    "I tried what you suggested and it still happens on my side.",
    # the customer writing again while nobody has answered yet
    "Could you please check and let me know? It is blocking our team.",
    "Any news on this? It is still happening.",
]

# title, body: shared canned responses every agent can insert
CANNED_RESPONSES = [
    (
        "Thanks, looking into it",
        "Hi {requester_name},\n\nThank you for reaching out. I am looking into "
        "{ticket_number} now and will get back to you shortly.\n\nKind regards,\n"
        "{agent_name}",
    ),
    (
        "Need more details",
        "Hi {requester_name},\n\nCould you tell us the steps that lead to the "
        "problem, and send a screenshot if you can?\n\nKind regards,\n{agent_name}",
    ),
    (
        "Solved, please confirm",
        "Hi {requester_name},\n\nWe believe {ticket_number} is fixed. If anything "
        "is still not right, reply to this email and the ticket reopens.\n\n"
        "Kind regards,\n{agent_name}",
    ),
]

# priority: first response, next response, resolution (business minutes)
SLA_TARGETS = {
    "urgent": (30, 60, 240),
    "high": (60, 120, 480),
    "normal": (240, 480, 1440),
    "low": (480, 960, 2880),
}

# The outage policy's clock runs round the clock: minutes, not business minutes.
OUTAGE_SLA_TARGETS = {
    "urgent": (30, 60, 240),
    "high": (60, 120, 480),
    "normal": (120, 240, 1440),
    "low": (240, 480, 2880),
}
OUTAGE_WARN_BEFORE_MINUTES = 20

# Outage reports still waiting for their first answer when the demo loads:
# minutes before now, subject, customer's report. Two of the sixty tickets,
# new and of high priority, tell these instead of a scenario. Opened 40 to 60
# minutes ago, each is inside its warning window (a 60-minute first response,
# warned 20 minutes ahead, round the clock) on any day and at any hour, so the
# first SLA sweep after loading warns about them.
LIVE_OUTAGES = [
    (
        50,
        "Checkout page times out for all our users",
        "Since a few minutes ago every checkout on our shop times out after "
        "30 seconds. Our customers cannot pay. Please help urgently.",
    ),
    (
        45,
        "Checkout times out here too",
        "Same here: the checkout page hangs and then shows a gateway timeout. "
        "Started just now, nothing changed on our side.",
    ),
]
