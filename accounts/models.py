import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone
from django.utils.crypto import salted_hmac

from helpdesk.models import TimeStampedModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value} is not a known time zone.")


def normalize_email_address(email: str) -> str:
    """The one spelling of an address we store: trimmed and lower-cased.

    Storing the lower-case form makes the plain unique index case-insensitive
    on every database, with no database-specific collation or index.
    """
    return (email or "").strip().lower()


def new_session_salt() -> str:
    return secrets.token_hex(16)


class UserQuerySet(models.QuerySet):
    """Writes that bypass ``User.save`` keep the lower-case spelling too.

    The database's check constraint backs this up where the database
    enforces check constraints (not MongoDB); the application never relies
    on it. Only plain text is normalised: an expression is the caller's.
    """

    def update(self, **kwargs):
        if isinstance(kwargs.get("email"), str):
            kwargs["email"] = normalize_email_address(kwargs["email"])
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for user in objs:
            user.email = normalize_email_address(user.email)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if "email" in fields:
            for user in objs:
                user.email = normalize_email_address(user.email)
        return super().bulk_update(objs, fields, *args, **kwargs)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email=normalize_email_address(email))

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=normalize_email_address(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.CUSTOMER)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["role"] = User.Role.ADMIN
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, TimeStampedModel):
    """Everyone who signs in: customers, agents and admins.

    The email address is the login. Roles replace Django's groups and
    permission rows: admins are the staff of the Django admin and hold every
    permission there; agents and customers never enter it.
    """

    class Role(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        AGENT = "agent", "Agent"
        ADMIN = "admin", "Admin"

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.CUSTOMER, db_index=True
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        help_text="The customer's company; agents and admins have none.",
    )
    timezone = models.CharField(
        max_length=64, default=settings.TIME_ZONE, validators=[validate_timezone]
    )
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(default=True)
    email_verified = models.BooleanField(
        default=False,
        editable=False,
        help_text="The person proved they read this address (a confirmation or "
        "password-reset link). Joining an organization by domain needs it.",
    )
    self_registered = models.BooleanField(
        default=False,
        editable=False,
        help_text="Created through the sign-up form, where anyone can type any "
        "address: until the address is confirmed the account cannot sign in and "
        "gets no mail but its confirmation.",
    )
    mfa_enabled = models.BooleanField(
        "two-factor authentication",
        default=False,
        editable=False,
        help_text="Set when an authenticator app is confirmed; cleared when removed.",
    )
    session_salt = models.CharField(
        max_length=32,
        default=new_session_salt,
        editable=False,
        help_text="Changing it signs the user out everywhere.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")),
                name="user_email_lower_case",
                violation_error_message="Email addresses are stored in lower case.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self):
        super().clean()
        self.email = normalize_email_address(self.email)

    def save(self, *args, **kwargs):
        # One spelling whatever wrote the address (a form, a service, the
        # shell): the check constraint is not enforced by every database.
        self.email = normalize_email_address(self.email)
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None):
        """Sessions carry this hash; a new ``session_salt`` (or password)
        invalidates every session but the one that is told the new hash."""
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            self.password + self.session_salt,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def awaiting_confirmation(self) -> bool:
        """Signed itself up and has not yet proved it reads its address."""
        return self.self_registered and not self.email_verified

    @property
    def is_customer(self) -> bool:
        return self.role == self.Role.CUSTOMER

    @property
    def is_agent(self) -> bool:
        """True for everyone who works tickets: agents and admins."""
        return self.role in (self.Role.AGENT, self.Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    # The Django admin asks these; the role answers them.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.is_admin

    @property
    def is_superuser(self) -> bool:
        return self.is_active and self.is_admin

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_superuser

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_superuser

    def has_module_perms(self, app_label) -> bool:
        return self.is_superuser


class ApiKey(TimeStampedModel):
    """A key a script uses instead of a password, scoped and revocable.

    Only a SHA-256 hash of the secret is stored; the full key is shown once,
    when it is created. Keys look like ``hdk_<8-char prefix><secret>``; the
    prefix finds the row, the secret is compared in constant time.

    A sign-in token (``POST /api/v1/auth/token``) is the same row with
    ``kind=token``: short-lived, the same scopes and revocation, and
    ``second_factor`` says whether a code was checked when it was issued.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"

    class Kind(models.TextChoices):
        KEY = "key", "API key"
        TOKEN = "token", "Sign-in token"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.CharField(max_length=32, help_text="Comma-separated: read, write.")
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    kind = models.CharField(
        max_length=8, choices=Kind.choices, default=Kind.KEY, editable=False
    )
    second_factor = models.BooleanField(
        default=False,
        editable=False,
        help_text="A sign-in token issued against a two-factor code.",
    )
    session_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="A sign-in token's copy of its user's session hash: a new "
        "password, a confirmed address or signing out other sessions ends it.",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split(",") if scope]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_list

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= django_timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class MFAEnrolmentCode(models.Model):
    """A one-time code emailed before someone enrols their first
    authenticator, so a stolen password alone cannot bind a phone to the
    account. Only a keyed hash of the code is stored; it works once, for a
    few minutes, and only for a few tries."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="mfa_enrolment_codes"
    )
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "MFA enrolment code"

    def __str__(self) -> str:
        return f"Enrolment code for {self.user} ({self.created_at:%Y-%m-%d %H:%M})"
