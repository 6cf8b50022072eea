"""How a password becomes a signed-in user."""

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's model backend, refusing accounts that signed themselves up and
    have not confirmed their address yet.

    Anyone can type any address into the sign-up form, so such an account
    proves nothing about who reads the address: it may not sign in, and an
    existing session of it stops working (``get_user`` asks the same
    question), until its owner opens the confirmation link. Every way in that
    calls ``authenticate()`` (the sign-in form, the admin, token endpoints)
    inherits the rule.
    """

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not getattr(
            user, "awaiting_confirmation", False
        )
