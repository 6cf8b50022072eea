import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import User
from .tokens import email_token_make


def site_link(path: str) -> str:
    """An absolute link for an email: SITE_URL plus the path."""
    return settings.SITE_URL.rstrip("/") + path


def _mail(user: User, *, subject: str, template: str, context: dict) -> bool:
    """Send one plain-text account email to ``user.email``; the template also
    gets ``user`` and ``site_name``. SMTP errors propagate, so the calling
    task retries them."""
    send_mail(
        subject=subject,
        message=render_to_string(
            template, {"user": user, "site_name": settings.HELPDESK_NAME, **context}
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


@shared_task(
    name="accounts.tasks.send_confirmation_email",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=8,
)
def send_confirmation_email(user_id: str) -> bool:
    """Email the link that confirms an account's address (a sign-up, or an
    account made for its owner who asked for the link). Links are built from
    SITE_URL, never from a request's Host header."""
    user = User.objects.filter(pk=user_id, email_verified=False, is_active=True).first()
    if user is None:
        return False
    link = site_link(reverse("accounts:confirm_email", args=[email_token_make(user)]))
    return _mail(
        user,
        subject=f"Confirm your email address for {settings.HELPDESK_NAME}",
        template="accounts/email/confirm_email.txt",
        context={"link": link},
    )


@shared_task(
    name="accounts.tasks.send_registration_notice",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=8,
)
def send_registration_notice(user_id: str) -> bool:
    """Tell a confirmed account's owner that someone tried to sign up with
    their address (the sign-up page answered as for a new address)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return _mail(
        user,
        subject=f"Someone tried to create an account at {settings.HELPDESK_NAME}",
        template="accounts/email/registration_attempt.txt",
        context={
            "login_link": site_link(reverse("accounts:login")),
            "reset_link": site_link(reverse("accounts:password_reset")),
        },
    )


@shared_task(
    name="accounts.tasks.send_mfa_enrolment_code",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=3,
)
def send_mfa_enrolment_code(user_id: str, code: str) -> bool:
    """Email the one-time code that opens the enrolment of a first
    authenticator (accounts.services.mfa_enrolment)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return _mail(
        user,
        subject="Your code to set up two-factor authentication at "
        f"{settings.HELPDESK_NAME}",
        template="accounts/email/mfa_enrolment_code.txt",
        context={"code": code, "link": site_link(reverse("accounts:mfa"))},
    )
