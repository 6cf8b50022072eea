"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` prefix: the
broker (Redis with REDIS_URL, else a folder of files) and result backend, JSON
only, late acknowledgement so a task whose worker dies is delivered again, and
time limits so none runs forever.
"""

import os
from pathlib import Path

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.dev")

# kombu finds a broker URL's transport by its scheme in this table: the
# embedded broker's "filesystem://" is kombu's filesystem transport with its
# wait for messages capped, so a worker stops within a second
# (helpdesk/broker.py). Other schemes (redis://, memory://) are untouched.
TRANSPORT_ALIASES["filesystem"] = "helpdesk.broker:Transport"

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_folders(sender: Celery, **kwargs) -> None:
    """kombu's filesystem broker needs its folders, and beat the folder of its
    schedule file, before the first message or tick; every process (web,
    worker, beat, a management command) may be the first to get here."""
    folders = []
    if sender.conf.broker_url.startswith("filesystem:"):
        options = sender.conf.broker_transport_options
        folders += [options["data_folder_in"], options["control_folder"]]
    if sender.conf.beat_schedule_filename:
        folders.append(Path(sender.conf.beat_schedule_filename).parent)
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)
