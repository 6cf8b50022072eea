"""Log the demo agent and admin in without the login form, for web.py.

Runs inside ``manage.py shell`` with the benchmark's environment, so the
session lands in the bench database and its hash is signed with the same
secret key as the server's. Where two-factor authentication is installed,
each session is verified with a confirmed authenticator, as a real agent's
would be. Prints one JSON line: the two Cookie headers, a bulk-loaded Support
ticket the agent may see, and how many tickets exist.
"""

import json
import os

from django.apps import apps
from django.conf import settings
from django.contrib import auth
from django.utils.module_loading import import_string

from accounts.models import User
from tickets.models import Ticket


def cookie_for(email: str) -> str:
    user = User.objects.get(email=email)
    session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    session[auth.SESSION_KEY] = str(user.pk)
    session[auth.BACKEND_SESSION_KEY] = "accounts.backends.AccountBackend"
    session[auth.HASH_SESSION_KEY] = user.get_session_auth_hash()
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Benchmark", defaults={"confirmed": True}
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# The middle of the Support queue is deep inside the bulk-loaded tickets.
support = Ticket.objects.filter(department__slug="support").order_by("number")
# web.py --users N: N agent sessions, the Support agents (who may all see
# that ticket) taken in turn.
agent_emails = list(
    User.objects.filter(
        role=User.Role.AGENT, is_active=True, departments__slug="support"
    )
    .distinct()
    .order_by("email")
    .values_list("email", flat=True)
)
wanted = int(os.environ.get("BENCH_AGENT_SESSIONS") or 0)
print(
    json.dumps(
        {
            "agent": cookie_for("agent@helpdesk.example"),
            "admin": cookie_for("admin@helpdesk.example"),
            "agents": [
                cookie_for(agent_emails[index % len(agent_emails)])
                for index in range(wanted)
            ],
            "ticket": support[support.count() // 2].number,
            "tickets": Ticket.objects.count(),
        }
    )
)
