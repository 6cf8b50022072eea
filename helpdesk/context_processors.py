from django.conf import settings


def site(request):
    """The helpdesk's name, for titles and the navigation bar."""
    return {"HELPDESK_NAME": settings.HELPDESK_NAME}
