import getpass
import os
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from accounts.models import User, normalize_email_address


class Command(BaseCommand):
    help = (
        "Create an admin, or make an existing user an admin. Email and password "
        "come from the options, then HELPDESK_ADMIN_EMAIL and "
        "HELPDESK_ADMIN_PASSWORD, then a prompt when run interactively. "
        "Safe to run again: it never creates a second account for one address."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email")
        parser.add_argument("--password")
        parser.add_argument("--name", default="", help="Full name (optional).")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Never prompt; fail when something is missing.",
        )

    def handle(self, *args, email=None, password=None, name="", no_input=False, **_):
        interactive = not no_input and sys.stdin.isatty()
        email = email or os.environ.get("HELPDESK_ADMIN_EMAIL", "")
        password = password or os.environ.get("HELPDESK_ADMIN_PASSWORD", "")
        if not email and interactive:
            email = input("Admin email: ").strip()
        email = normalize_email_address(email)
        if not email:
            raise CommandError("Give --email or set HELPDESK_ADMIN_EMAIL.")
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not a valid email address.") from error

        user = User.objects.filter(email=email).first()
        if not password and interactive and user is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        if user is None and not password:
            raise CommandError("Give --password or set HELPDESK_ADMIN_PASSWORD.")
        if password:
            try:
                validate_password(password, user or User(email=email, full_name=name))
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error

        if user is None:
            User.objects.create_superuser(
                email=email, password=password, full_name=name
            )
            self.stdout.write(self.style.SUCCESS(f"Created admin {email}."))
            return
        changed = []
        if user.role != User.Role.ADMIN:
            user.role = User.Role.ADMIN
            changed.append("role")
        if not user.is_active:
            user.is_active = True
            changed.append("is_active")
        if name and user.full_name != name:
            user.full_name = name
            changed.append("full_name")
        if password and not user.check_password(password):
            user.set_password(password)
            changed.append("password")
        if changed:
            user.save(update_fields=[*changed, "updated_at"])
            self.stdout.write(
                self.style.SUCCESS(f"Updated admin {email}: {', '.join(changed)}.")
            )
        else:
            self.stdout.write(f"Admin {email} already exists; nothing to change.")
