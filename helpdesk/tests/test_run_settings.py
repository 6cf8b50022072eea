"""What `make run` hands the settings: the address it serves, and a real broker.

Each check starts ``manage.py`` in a child process with the developer
settings, as `make run` does, and without the developer's .env file.
"""

import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

PRINT = (
    "from django.conf import settings as s; from helpdesk.celery import app; "
    "print(s.SITE_URL, app.conf.task_always_eager, app.conf.broker_url, "
    "app.conf.broker_transport_options.get('data_folder_in'), "
    "app.conf.beat_schedule_filename)"
)


def dev_settings(tmp_path, **env: str) -> list[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"SITE_URL", "RUN_SITE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not key.startswith(("CELERY_", "HELPDESK_"))
    }
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings.dev",
            "DJANGO_ENV_FILE": os.devnull,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "HELPDESK_VAR_DIR": str(tmp_path / "var"),
            **env,
        }
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "shell", "-c", PRINT],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].split()


def test_links_point_at_the_address_make_run_serves(tmp_path):
    site_url = dev_settings(tmp_path, RUN_SITE_URL="http://127.0.0.1:8201")[0]

    assert site_url == "http://127.0.0.1:8201"


def test_without_make_run_links_point_at_the_default_address(tmp_path):
    assert dev_settings(tmp_path)[0] == "http://127.0.0.1:8000"


def test_a_site_url_the_user_set_wins(tmp_path):
    env_file = tmp_path / "dot-env"
    env_file.write_text("SITE_URL=https://help.example.com\n")

    from_environment = dev_settings(
        tmp_path, RUN_SITE_URL="http://127.0.0.1:8201", SITE_URL="https://a.example"
    )
    from_env_file = dev_settings(
        tmp_path, RUN_SITE_URL="http://127.0.0.1:8201", DJANGO_ENV_FILE=str(env_file)
    )

    assert from_environment[0] == "https://a.example"
    assert from_env_file[0] == "https://help.example.com"


def test_without_redis_tasks_go_to_the_embedded_broker_not_eagerly(tmp_path):
    _, eager, broker, queue_folder, schedule = dev_settings(tmp_path)

    assert eager == "False"
    assert broker == "filesystem://localhost/"
    assert queue_folder == str(tmp_path / "var" / "broker" / "queue")
    assert schedule == str(tmp_path / "var" / "celerybeat-schedule")


def test_with_redis_tasks_go_to_redis(tmp_path):
    _, eager, broker, queue_folder, _ = dev_settings(
        tmp_path, REDIS_URL="redis://127.0.0.1:6379/3"
    )

    assert eager == "False"
    assert broker == "redis://127.0.0.1:6379/3"
    assert queue_folder == "None"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_passes_its_port_to_the_links():
    done = subprocess.run(
        ["make", "-n", "run", "PORT=8201"],  # noqa: S607
        cwd=settings.BASE_DIR,
        env={k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST"}},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert 'RUN_SITE_URL="http://127.0.0.1:8201"' in done.stdout
    assert "honcho start -e /dev/null -f Procfile -p 8201" in done.stdout
