"""Production settings: refuse to start half-configured, pass the deploy check."""

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

MANAGE = str(settings.BASE_DIR / "manage.py")


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' fixture
            "REDIS_URL",
        }
    }
    # Production needs a shared cache; a test that wants none says REDIS_URL="".
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    clean.update(
        DJANGO_SETTINGS_MODULE="helpdesk.settings.production",
        DJANGO_ENV_FILE=os.devnull,
        **env,
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, MANAGE, *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", ALLOWED_HOSTS="help.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="help.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_cookies_and_hashing():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.PASSWORD_HASHERS[0], "
        "len(s.AUTH_PASSWORD_VALIDATORS), s.SESSION_COOKIE_AGE)",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="help.example.com",
        SESSION_COOKIE_AGE="3600",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "4",
        "3600",
    ]


def test_production_logs_json_lines_unless_told_otherwise():
    secrets_env = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "help.example.com",
    }
    script = (
        "import json, logging; logging.getLogger('helpdesk').warning('hello %s', 1)"
    )
    default = run_manage("shell", "-c", script, **secrets_env)
    console = run_manage("shell", "-c", script, LOG_FORMAT="console", **secrets_env)
    wrong = run_manage("check", LOG_FORMAT="xml", **secrets_env)

    assert default.returncode == 0, default.stderr
    (line,) = [ln for ln in default.stderr.splitlines() if "hello 1" in ln]
    record = json.loads(line)
    assert record["event"] == "hello 1"
    assert record["level"] == "warning"
    assert record["logger"] == "helpdesk"
    assert "[warning  ] hello 1" in console.stderr
    assert wrong.returncode != 0
    assert "LOG_FORMAT is 'xml': use json or console" in wrong.stderr
