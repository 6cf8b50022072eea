"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` prefix: the
broker and result backend from REDIS_URL, JSON only, late acknowledgement so a
task whose worker dies is delivered again, and time limits so none runs
forever.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.dev")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
