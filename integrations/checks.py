"""System checks for settings that would quietly turn inbound mail away."""

from django.conf import settings
from django.core.checks import Warning


def check_sender_authentication(app_configs=None, **kwargs) -> list[Warning]:
    """Requiring a verified sender without naming a trusted mail server
    suspends every emailed reply: say so at start-up."""
    if (
        settings.INBOUND_REQUIRE_SENDER_AUTH
        and not settings.INBOUND_TRUSTED_AUTHSERV_IDS
    ):
        return [
            Warning(
                "INBOUND_REQUIRE_SENDER_AUTH is on but INBOUND_TRUSTED_AUTHSERV_IDS "
                "is empty, so no sender can be verified and every reply by email "
                "will be suspended.",
                hint="Name your mail servers in INBOUND_TRUSTED_AUTHSERV_IDS, "
                "or turn off INBOUND_REQUIRE_SENDER_AUTH.",
                id="integrations.W001",
            )
        ]
    return []
