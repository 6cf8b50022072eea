"""How a password becomes a signed-in user."""

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's model backend, refusing accounts that signed themselves up and
    have not confirmed their address yet (``User.awaiting_confirmation``).

    Anyone can type any address into the sign-up form, so such an account
    proves nothing about who reads the address: it may not sign in, and an
    existing session of it stops working (``get_user``), until its owner
    opens the confirmation link. Every way in that calls ``authenticate()``
    (the sign-in form, the admin, token endpoints) inherits the rule.

    When the password was right but the account awaits confirmation, the
    request is marked (``request.account_awaiting_confirmation``) so the
    sign-in form can say why without hashing the password a second time (a
    second hash would be a timing signal that such an account exists).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(
            request, username=username, password=password, **kwargs
        )
        if user is not None and user.awaiting_confirmation:
            if request is not None:
                request.account_awaiting_confirmation = user
            return None
        return user

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is not None and user.awaiting_confirmation:
            return None
        return user
