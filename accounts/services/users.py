"""Writes to accounts."""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import User, new_session_salt, normalize_email_address
from accounts.tasks import send_confirmation_email, send_registration_notice
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError, PermissionDeniedError
from organizations.selectors import organization_for_email


class EmailTaken(ApplicationError):
    code = "email_taken"


@atomic
def customer_create(
    *,
    email: str,
    full_name: str = "",
    password: str | None = None,
) -> User:
    """Create a customer, outside any organization.

    Nobody has proved they read the address yet: an agent typed it, an email
    claimed it in its From header, or a caller of the API sent it. The
    account joins the organization that owns its domain only once its owner
    proves the address (``user_confirm_email``); an agent or admin may put it
    into an organization explicitly. Without ``password`` the account cannot
    sign in until its owner sets one through the reset link.

    Raises ``EmailTaken`` when the address has an account already.
    """
    email = normalize_email_address(email)
    if User.objects.filter(email=email).exists():
        raise EmailTaken("An account with this email address already exists.")
    user = User(email=email, full_name=full_name.strip(), role=User.Role.CUSTOMER)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with atomic():
            user.save()
    except IntegrityError as error:
        raise EmailTaken(
            "An account with this email address already exists."
        ) from error
    return user


def customer_get_or_create(*, email: str, full_name: str = "") -> tuple[User, bool]:
    """The account for this address, creating a customer when there is none
    (outside any organization until the address is proven)."""
    existing = User.objects.filter(email=normalize_email_address(email)).first()
    if existing is not None:
        return existing, False
    try:
        return customer_create(email=email, full_name=full_name), True
    except EmailTaken:  # created by someone else a moment ago
        return User.objects.get(email=normalize_email_address(email)), False


def customer_register(*, email: str, full_name: str, password: str) -> None:
    """Self-registration: the same work and the same answer whether or not
    the address has an account, so the form reveals nothing.

    - a new address gets an account that signed itself up
      (``self_registered``): it cannot sign in, and gets no mail but its
      confirmation, until the link in that confirmation is used;
    - an address whose account still awaits confirmation (or was made for
      its owner and never confirmed) gets a fresh confirmation link; the
      password typed now is not stored (the link's page lets its owner
      choose one);
    - a confirmed account's owner is told that someone tried to register
      with their address, with links to sign in or reset the password;
    - a deactivated account gets nothing.

    The password is hashed in every case so the answer takes as long.
    Mail leaves after commit. The caller validated the password already.
    Runs its own transactions: when the address is registered by someone
    else a moment ago, the first fails whole and a second one answers as
    for an existing account.
    """
    email = normalize_email_address(email)
    hashed = make_password(password)
    try:
        _register(email=email, full_name=full_name, hashed=hashed)
    except EmailTaken:
        _register(email=email, full_name=full_name, hashed=hashed)


@atomic
def _register(*, email: str, full_name: str, hashed: str) -> None:
    existing = User.objects.filter(email=email).first()
    if existing is None:
        user = User(
            email=email,
            full_name=full_name.strip(),
            role=User.Role.CUSTOMER,
            password=hashed,
            self_registered=True,
        )
        try:
            with atomic():
                user.save()
        except IntegrityError as error:  # registered by someone else just now
            raise EmailTaken("Registered a moment ago.") from error
        _after_commit(send_confirmation_email, user.pk)
        return
    if not existing.is_active:
        return
    if existing.email_verified:
        _after_commit(send_registration_notice, existing.pk)
    else:
        _after_commit(send_confirmation_email, existing.pk)


def confirmation_resend(*, email: str) -> None:
    """Send a new confirmation link when the address has an active account
    that has not confirmed it; otherwise nothing. The caller answers the same
    either way."""
    user = User.objects.filter(
        email=normalize_email_address(email), is_active=True, email_verified=False
    ).first()
    if user is not None:
        _after_commit(send_confirmation_email, user.pk)


def _after_commit(task, user_id: object) -> None:
    """Queue ``task`` for this user once the transaction commits. The id goes
    as text: a task's arguments are JSON, and keys need not be integers."""
    user_id = str(user_id)
    transaction.on_commit(lambda: task.delay(user_id), robust=True)


@atomic
def user_update_profile(
    *, user: User, full_name: str, timezone: str, language: str
) -> User:
    user.full_name = full_name.strip()
    user.timezone = timezone
    user.language = language
    user.full_clean(validate_unique=False, validate_constraints=False)
    user.save(update_fields=["full_name", "timezone", "language", "updated_at"])
    return user


@atomic
def user_logout_other_sessions(*, request: HttpRequest) -> None:
    """Sign the user out on every other browser: a new session salt makes every
    other session's hash stale; this one is told the new hash."""
    user = request.user
    user.session_salt = new_session_salt()
    user.save(update_fields=["session_salt", "updated_at"])
    update_session_auth_hash(request, user)


@atomic
def user_confirm_email(*, user: User, new_password: str | None = None) -> User:
    """The owner proved they read the address (a confirmation or reset link).

    Marks the address proven, joins the organization that owns its domain
    (a customer with none yet), sets ``new_password`` when given, and signs
    out every session (a new ``session_salt``): whoever registered the
    address before its owner, or signed in with a password someone else
    chose, loses the account. The caller signs the owner in again if it
    wants to. The password is validated by the caller's form.
    """
    user.email_verified = True
    fields = ["email_verified", "session_salt"]
    if user.is_customer and user.organization_id is None:
        organization = organization_for_email(user.email)
        if organization is not None:
            user.organization = organization
            fields.append("organization")
    if new_password is not None:
        user.set_password(new_password)
        fields.append("password")
    user.session_salt = new_session_salt()
    user.save(update_fields=[*fields, "updated_at"])
    return user


@atomic
def user_create_by_admin(
    *,
    actor: User,
    email: str,
    full_name: str = "",
    role: str = User.Role.CUSTOMER,
    organization=None,
) -> User:
    """An admin creates an account; its owner sets a password through the
    reset link. Customers may belong to an organization; staff may not."""
    if not actor.is_admin:
        raise PermissionDeniedError("Only admins create accounts.")
    if role not in User.Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", code="invalid")
    if organization is not None and role != User.Role.CUSTOMER:
        raise ApplicationError(
            "Only customers belong to organizations.", code="invalid"
        )
    try:
        validate_email(normalize_email_address(email))
    except DjangoValidationError as error:
        raise ApplicationError(
            "That is not an email address.", code="invalid"
        ) from error
    user = customer_create(email=email, full_name=full_name)
    user.role = role
    user.organization = organization
    user.save(update_fields=["role", "organization", "updated_at"])
    return user


@atomic
def user_update_by_admin(*, actor: User, user: User, **changes) -> User:
    """Change name, role, organization or active state (admins). An admin
    cannot lock themselves out by demoting or deactivating their own account."""
    if not actor.is_admin:
        raise PermissionDeniedError("Only admins change accounts.")
    allowed = {"full_name", "role", "organization", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ApplicationError(f"Cannot change {', '.join(sorted(unknown))}.")
    if user.pk == actor.pk and (
        changes.get("is_active") is False
        or changes.get("role", User.Role.ADMIN) != User.Role.ADMIN
    ):
        raise ApplicationError(
            "You cannot demote or deactivate your own account.", code="self_lockout"
        )
    for name, value in changes.items():
        setattr(user, name, value)
    if user.organization_id and user.role != User.Role.CUSTOMER:
        raise ApplicationError(
            "Only customers belong to organizations.", code="invalid"
        )
    user.save()
    return user
