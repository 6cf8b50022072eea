"""Writes to accounts."""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.models import User, new_session_salt, normalize_email_address
from helpdesk.errors import ApplicationError, PermissionDeniedError
from organizations.selectors import organization_for_email


class EmailTaken(ApplicationError):
    code = "email_taken"


@transaction.atomic
def customer_create(
    *,
    email: str,
    full_name: str = "",
    password: str | None = None,
    join_organization: bool = True,
) -> User:
    """Create a customer.

    ``join_organization``: an address whose domain belongs to an organization
    joins it now. Self-registration passes False: anyone can type any
    address, so the account joins only once its owner confirms the address
    (``user_confirm_email``). Accounts made by an agent, or from an email,
    join at once; they cannot sign in until their owner sets a password
    through the reset link sent to that address.
    """
    email = normalize_email_address(email)
    if User.objects.filter(email=email).exists():
        raise EmailTaken("An account with this email address already exists.")
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=User.Role.CUSTOMER,
        organization=organization_for_email(email) if join_organization else None,
    )
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise EmailTaken(
            "An account with this email address already exists."
        ) from error
    return user


def customer_get_or_create(*, email: str, full_name: str = "") -> tuple[User, bool]:
    """The account for this address, creating a customer when there is none."""
    existing = User.objects.filter(email=normalize_email_address(email)).first()
    if existing is not None:
        return existing, False
    try:
        return customer_create(email=email, full_name=full_name), True
    except EmailTaken:  # created by someone else a moment ago
        return User.objects.get(email=normalize_email_address(email)), False


@transaction.atomic
def user_update_profile(
    *, user: User, full_name: str, timezone: str, language: str
) -> User:
    user.full_name = full_name.strip()
    user.timezone = timezone
    user.language = language
    user.full_clean(validate_unique=False, validate_constraints=False)
    user.save(update_fields=["full_name", "timezone", "language", "updated_at"])
    return user


@transaction.atomic
def user_logout_other_sessions(*, request: HttpRequest) -> None:
    """Sign the user out on every other browser: a new session salt makes every
    other session's hash stale; this one is told the new hash."""
    user = request.user
    user.session_salt = new_session_salt()
    user.save(update_fields=["session_salt", "updated_at"])
    update_session_auth_hash(request, user)


@transaction.atomic
def user_confirm_email(*, user: User) -> User:
    """The owner proved they read the address: mark it, and join the
    organization that owns its domain, if the customer has none yet."""
    fields = []
    if not user.email_verified:
        user.email_verified = True
        fields.append("email_verified")
    if user.is_customer and user.organization_id is None:
        organization = organization_for_email(user.email)
        if organization is not None:
            user.organization = organization
            fields.append("organization")
    if fields:
        user.save(update_fields=[*fields, "updated_at"])
    return user


@transaction.atomic
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
    user = customer_create(email=email, full_name=full_name, join_organization=False)
    user.role = role
    user.organization = organization
    user.save(update_fields=["role", "organization", "updated_at"])
    return user


@transaction.atomic
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
