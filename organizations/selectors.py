from .models import Organization


def organization_for_email(email: str) -> Organization | None:
    """The organization whose email domains include this address's domain."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    if not domain:
        return None
    return Organization.objects.filter(domains__domain=domain).first()
