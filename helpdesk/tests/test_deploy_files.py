"""The deployment files describe the stack the README promises.

No Docker engine runs here, so `docker compose config` cannot; this checks the
compose file's structure instead.
"""

import yaml
from django.conf import settings


def load_compose() -> dict:
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_redis_and_postgres():
    services = load_compose()["services"]
    assert set(services) == {"web", "worker", "beat", "redis", "postgres"}
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "."
        env = service["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "helpdesk.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert "?" in env["DJANGO_SECRET_KEY"], "the secret must be required"
    assert "gunicorn" in services["web"]["command"]
    assert services["web"]["ports"] == ["8000:8000"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_dockerfile_runs_gunicorn_as_a_non_root_user():
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "\nUSER helpdesk\n" in dockerfile
    assert "EXPOSE 8000" in dockerfile
    assert '"gunicorn", "helpdesk.wsgi:application"' in dockerfile


def test_compose_waits_for_readiness_and_the_app_writes_the_access_log():
    web = load_compose()["services"]["web"]
    probe = " ".join(web["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in probe
    assert web["healthcheck"]["start_period"]
    # One line per request comes from the app (with its request id); a
    # gunicorn access log would print each request twice.
    assert "--access-logfile" not in web["command"]
    assert "--access-logfile" not in (settings.BASE_DIR / "Dockerfile").read_text()
