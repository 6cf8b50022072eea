"""The deployment files describe the stack the README promises.

No Docker engine runs here; CI builds the image with buildah and runs the
compose file's app services from it (.ci/container). These checks are the
fast part: the files' structure, on every machine.
"""

import re
import tomllib
from importlib import metadata

import yaml
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def load_compose() -> dict:
    return yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())


def dockerfile() -> str:
    return (settings.BASE_DIR / "Dockerfile").read_text()


def final_stage() -> str:
    return dockerfile().rsplit("\nFROM ", 1)[1]


def test_compose_runs_migrate_then_web_worker_and_beat():
    services = load_compose()["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "redis", "postgres"}
    for name in ("migrate", "web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "."
        env = service["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "helpdesk.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert "?" in env["DJANGO_SECRET_KEY"], "the secret must be required"
        # Nothing but the volumes and a tmpfs /tmp is writable.
        assert service["read_only"] is True
        assert service["tmpfs"] == ["/tmp"]  # noqa: S108 (the container's)
        # Beat's schedule outlives a restart, and backups unpack on disk.
        assert service["volumes"] == [
            "private:/data/private",
            "backups:/data/backups",
            "state:/data/state",
        ]
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        after = services[name]["depends_on"]["migrate"]["condition"]
        assert after == "service_completed_successfully"
        assert "migrate" not in str(services[name].get("command", ""))
    # web runs the image's own command (gunicorn).
    assert "command" not in services["web"]
    assert services["web"]["ports"] == ["8000:8000"]
    assert services["worker"]["command"].startswith("celery -A helpdesk worker")
    assert "--concurrency=${WORKER_CONCURRENCY:-2}" in services["worker"]["command"]
    # docker stop waits for a task at its time limit (180 s) and for
    # gunicorn's graceful timeout (30 s).
    assert services["worker"]["stop_grace_period"] == "200s"
    assert services["web"]["stop_grace_period"] == "40s"
    # Over TCP: the postgres image's set-up server answers on the socket only.
    assert "-h 127.0.0.1" in services["postgres"]["healthcheck"]["test"][1]
    assert services["beat"]["command"].startswith("celery -A helpdesk beat")


def test_only_web_keeps_a_health_check():
    services = load_compose()["services"]
    for name in ("migrate", "worker", "beat"):
        assert services[name]["healthcheck"] == {"disable": True}
    probe = " ".join(services["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:{os.environ['PORT']}/readyz" in probe
    assert "ProxyHandler({})" in probe  # an HTTP_PROXY must not catch it
    assert services["web"]["healthcheck"]["start_period"]


def test_dockerfile_builds_in_two_stages_and_runs_gunicorn_unprivileged():
    text = dockerfile()
    assert text.count("FROM python:3.11-slim") == 2
    assert "FROM python:3.11-slim AS build" in text
    final = final_stage()
    # Compilers stay in the build stage; the final one copies the venv.
    assert "build-essential" not in final
    assert "apt-get" not in final
    assert "COPY --from=build /opt/venv /opt/venv" in final
    assert "\nUSER helpdesk\n" in final
    assert "EXPOSE 8000" in final
    assert "/healthz" in final.split("HEALTHCHECK", 1)[1]
    assert 'CMD ["gunicorn", "helpdesk.wsgi:application"]' in final
    # gunicorn reads PORT and WEB_CONCURRENCY itself.
    assert re.search(r"\bPORT=8000\b", final)
    assert re.search(r"\bWEB_CONCURRENCY=\d+\b", final)


def test_dockerfile_installs_the_lock_file_with_hashes_and_nothing_editable():
    text = dockerfile()
    assert "--require-hashes" in text
    assert "-r requirements.txt" in text
    assert "pip install -e" not in text
    # Without --no-deps, pip's hash mode refuses a dependency the lock misses.
    assert "--no-deps" not in text
    assert "--access-logfile" not in text


def locked(text: str) -> dict[str, tuple[str, list[str]]]:
    """The lock file ``text`` as {name: (version, hashes)}, the entries that
    apply to this interpreter (Linux, Python 3.11): where the lock forks on a
    marker (numpy for 3.11 and for 3.12+), the pin 3.11 installs."""
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if not lines:
            continue
        requirement = Requirement(lines[0].rstrip(" \\"))
        if requirement.marker and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name not in entries, f"{name} is pinned twice for Python 3.11"
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{requirement} is not pinned"
        hashes = re.findall(r"--hash=sha256:[0-9a-f]{64}", block)
        entries[name] = (spec.version, hashes)
    return entries


def test_the_lock_file_pins_every_dependency_within_pyproject_ranges():
    project = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())
    lock = (settings.BASE_DIR / "requirements.txt").read_text()
    pins = locked(lock)
    assert all(hashes for _, hashes in pins.values()), "every pin has a hash"
    for line in project["project"]["dependencies"]:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in pins, f"{name} is missing from requirements.txt: make lock"
        version = pins[name][0]
        assert wanted.specifier.contains(version, prereleases=True), (
            f"requirements.txt has {name}=={version}, pyproject asks {wanted}: "
            "make lock"
        )
        # What an extra brings (celery[redis]: redis), per the package's own
        # metadata.
        for extra in wanted.extras:
            for needed in map(Requirement, metadata.requires(wanted.name) or []):
                if needed.marker and needed.marker.evaluate({"extra": extra}):
                    assert canonicalize_name(needed.name) in pins, (
                        f"{wanted.name}[{extra}] needs {needed.name}: make lock"
                    )
    # redis needs it before Python 3.11.3 (Debian bookworm has 3.11.2): the
    # lock keeps the marker instead of dropping the package.
    assert re.search(
        r"^async-timeout==\S+ ; python_full_version < '3\.11\.3'", lock, re.M
    )


def test_backups_record_the_version_of_code_run_uninstalled(settings, tmp_path):
    """The image runs /app without installing it: backups still name the
    version in pyproject.toml, which restore compares (not 0.0.0)."""
    from helpdesk.backup.manifest import product_version

    project = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())
    assert product_version() == project["project"]["version"]
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "9.8.7"\n')
    settings.BASE_DIR = tmp_path
    assert product_version() == "9.8.7"
