"""Runs the image .ci/container built the way docker-compose.yml runs it.

Usage: ``container_smoke.py IMAGE`` (buildah's store under $CACHE). Each app
service of the compose file (migrate, web, worker, beat) runs in a container
of its own (container_stack.py), with the compose file's command, environment
and volumes: DATABASE_URL and REDIS_URL point at a database and a Redis db of
the smoke test's own on 127.0.0.1 instead of the compose file's `postgres` and
`redis` hosts.

It checks, in order, printing one line per check:
- `migrate` exits 0;
- web (the image's own command, gunicorn) answers /healthz, and the image's
  HEALTHCHECK passes; the login page and a static file it links are served;
- `manage.py create_admin`, as the README says, and that admin signs in;
- a customer signs up: web queues the confirmation email, the worker sends it
  (EMAIL_URL=consolemail://, so it appears in the worker's output), and the
  worker's task line carries the web request's X-Request-ID;
- beat sends the SLA sweep (SLA_SWEEP_SECONDS=2) and the worker runs it;
- /readyz, through the compose file's own health check, is 200 with every
  check ok (database, cache, broker, storage, the worker's heartbeat);
- the image's user is uid 1000, may write to the volumes and /tmp and to none
  of the image's own files, and each volume is the mounted folder;
- `manage.py backup` lands in the backups volume, unpacked in its .work;
- no service logged an error or a traceback;
- SIGTERM (what `docker stop` sends) stops web, worker and beat with exit 0.

Exits 1 at the first failed check, after printing the services' logs.
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import redis
from container_stack import CACHE, UID, SmokeFailed, Stack, wait_for

POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/13"


def check(ok: bool, what: str, detail: str = "") -> None:
    """Print ``what`` as passed, or stop the test with it and ``detail``."""
    if not ok:
        raise SmokeFailed(f"{what}: {detail}" if detail else what)
    passed(what)


def passed(what: str) -> None:
    print(f"    ok: {what}", flush=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


# Redirects are answers to check, not to follow; no proxy from the environment.
OPENER = urllib.request.build_opener(NoRedirect, urllib.request.ProxyHandler({}))


def fetch(url: str, data: dict | None = None, cookies: dict | None = None):
    """(status, headers, body) of one request, without following redirects."""
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(data).encode() if data else None
    )
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with OPENER.open(request, timeout=10) as response:
            return (
                response.status,
                response.headers,
                response.read().decode(errors="replace"),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(errors="replace")
    except OSError:
        return None, {}, ""


def cookies_of(headers) -> dict[str, str]:
    """Cookies a response sets. They are Secure (production settings), which a
    cookie jar would not send back over plain HTTP; the test does."""
    jar = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def form_post(stack: Stack, path: str, fields: dict, cookies: dict | None = None):
    status, headers, body = fetch(stack.url(path), cookies=cookies)
    check(status == 200, f"GET {path}: 200 (got {status})")
    jar = {**(cookies or {}), **cookies_of(headers)}
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    check(token is not None, f"{path} carries a CSRF token")
    fields = {"csrfmiddlewaretoken": token.group(1), **fields}
    return fetch(stack.url(path), data=fields, cookies=jar)


# Run as the image's user: what it may write on the image's own filesystem
# (files and folders, other mounts left out), and whether each mount of
# MOUNTS takes a file. Folders that are sticky and writable by all
# (/var/tmp, /run/lock) are listed apart: Debian's, not the app's, and
# read-only anyway under the compose file's read_only.
WRITE_PROBE = """
import json, os, sys
mounts = json.loads(sys.argv[1])
root = os.stat("/").st_dev
writable, shared = [], []
for top, folders, files in os.walk("/"):
    folders[:] = [f for f in folders if os.lstat(os.path.join(top, f)).st_dev == root]
    for path in [top] + [os.path.join(top, f) for f in files]:
        if os.path.islink(path) or not os.access(path, os.W_OK):
            continue
        mode = os.lstat(path).st_mode
        sticky = os.path.isdir(path) and mode & 0o1002 == 0o1002
        (shared if sticky else writable).append(path)
taken = {}
for mount in mounts:
    probe = os.path.join(mount, ".smoke-write-probe")
    try:
        with open(probe, "w") as handle:
            handle.write("x")
    except OSError:
        taken[mount] = False
        continue
    taken[mount] = True
    if mount == "/tmp":  # the volumes keep it: the host checks it
        os.remove(probe)
print(json.dumps({"uid": os.getuid(), "writable": writable, "shared": shared,
                  "mounts": taken}))
"""


def one_off(stack: Stack, name: str, command: list[str], what: str, timeout=120):
    """Run ``command`` in a new container of service ``name``; it must exit 0."""
    result = stack.run(name, command, timeout=timeout)
    check(
        result.returncode == 0,
        what,
        f"exit {result.returncode}: {result.stderr[-1000:]}",
    )
    return result


def check_migrate(stack: Stack) -> None:
    print("--- migrate", flush=True)
    result = stack.run("migrate")
    (stack.workdir / "migrate.log").write_text(result.stdout + result.stderr)
    stack.logs["migrate"] = stack.workdir / "migrate.log"
    check(
        result.returncode == 0,
        "migrate exits 0",
        f"exit {result.returncode}: {result.stderr[-2000:]}",
    )


def check_web(stack: Stack, started: float) -> None:
    print("--- web, worker and beat", flush=True)
    for name in ("web", "worker", "beat"):
        stack.start(name)
    wait_for(
        lambda: fetch(stack.url("/healthz"))[0] == 200, "web's /healthz", stack=stack
    )
    passed(
        f"web answers /healthz on port {stack.port}, "
        f"{time.monotonic() - started:.0f} s after migrate started",
    )
    test = stack.config["Healthcheck"]["Test"]
    check(test[0] == "CMD", "the image's HEALTHCHECK is in exec form")
    one_off(stack, "web", test[1:], "the image's HEALTHCHECK passes", timeout=30)

    status, headers, body = fetch(stack.url("/accounts/login/"))
    check(
        status == 200 and 'name="password"' in body,
        "GET /accounts/login/: 200, the sign-in form",
    )
    css = re.search(r'href="(/static/[^"]+\.css)"', body)
    check(css is not None, "the login page links a stylesheet under /static/")
    status, headers, body = fetch(stack.url(css.group(1)))
    check(
        status == 200
        and headers.get("Content-Type", "").startswith("text/css")
        and len(body) > 1000,
        f"GET {css.group(1)}: 200, text/css, {len(body)} characters",
    )


def check_admin(stack: Stack, password: str) -> None:
    print("--- create_admin, sign in", flush=True)
    email = "admin@smoke.example"
    command = ["python", "manage.py", "create_admin"]
    command += ["--email", email, "--password", password]
    one_off(stack, "web", command, "manage.py create_admin exits 0")
    status, headers, _ = form_post(
        stack, "/accounts/login/", {"username": email, "password": password}
    )
    location = headers.get("Location", "") if status else ""
    check(
        status == 302 and "/accounts/login/" not in location,
        f"the admin signs in (302 to {location!r})",
    )


def check_tasks(stack: Stack, password: str) -> None:
    print("--- a task queued by web, run by the worker", flush=True)
    customer = f"customer-{secrets.token_hex(4)}@smoke.example"
    status, headers, _ = form_post(
        stack,
        "/accounts/register/",
        {
            "full_name": "Smoke Customer",
            "email": customer,
            "password1": password,
            "password2": password,
        },
    )
    check(status == 302, f"POST /accounts/register/: 302 (got {status})")
    request_id = headers.get("X-Request-ID", "")
    check(bool(request_id), f"the sign-up's response names its request id {request_id}")
    wait_for(
        lambda: customer in stack.log("worker"),
        "the confirmation email in the worker's output",
        stack=stack,
    )
    passed(f"the worker sent the confirmation email to {customer}")
    task_lines = [
        line
        for line in stack.log("worker").splitlines()
        if request_id in line and '"task"' in line
    ]
    check(bool(task_lines), "the worker's task line carries the web request's id")

    print("--- beat", flush=True)
    wait_for(
        lambda: "sla-sweep" in stack.log("beat"), "beat to send sla-sweep", stack=stack
    )
    wait_for(
        lambda: re.search(
            r"tickets\.tasks\.sla_sweep.*succeeded|succeeded.*tickets\.tasks\.sla_sweep",
            stack.log("worker"),
        ),
        "the worker to run the SLA sweep",
        stack=stack,
    )
    passed("beat sent sla-sweep and the worker ran it")


def check_readiness(stack: Stack) -> None:
    print("--- readiness", flush=True)
    probe = stack.service("web")["healthcheck"]["test"]
    check(probe[0] == "CMD", "the compose file's web health check is in exec form")
    wait_for(
        lambda: stack.run("web", probe[1:], timeout=30).returncode == 0,
        "the compose health check (/readyz)",
        stack=stack,
    )
    status, _, body = fetch(stack.url("/readyz"))
    checks = json.loads(body)
    check(status == 200, f"/readyz: 200, {body.strip()}")
    statuses = {name: result["status"] for name, result in checks["checks"].items()}
    check(
        checks["status"] == "ok"
        and set(statuses.values()) == {"ok"}
        and len(statuses) >= 5,
        f"every readiness check is ok: {', '.join(statuses)}",
    )


def check_writes(stack: Stack) -> None:
    print("--- what the app may write", flush=True)
    mounts = [*stack.volumes, "/tmp"]
    command = ["python", "-c", WRITE_PROBE, json.dumps(mounts)]
    result = one_off(stack, "worker", command, "the write probe ran", timeout=180)
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    check(probe["uid"] == UID, f"services run as uid {UID} (got {probe['uid']})")
    check(
        not probe["writable"],
        f"uid {UID} may write nothing of the image's own files "
        f"(sticky shared folders: {', '.join(probe['shared']) or 'none'})",
        f"writable: {probe['writable'][:20]}",
    )
    check(
        all(probe["mounts"].values()),
        f"uid {UID} may write to {', '.join(mounts)}",
        str(probe["mounts"]),
    )
    for path, host in stack.volumes.items():
        marker = host / ".smoke-write-probe"
        check(
            marker.exists() and marker.stat().st_uid == UID,
            f"{path} is the volume (the host sees what uid {UID} wrote there)",
        )
        marker.unlink()

    backups = stack.volumes["/data/backups"]
    command = ["python", "manage.py", "backup"]
    one_off(stack, "web", command, "manage.py backup exits 0", timeout=300)
    archives = [path for path in backups.iterdir() if path.is_file()]
    check(
        bool(archives) and all(path.stat().st_uid == UID for path in archives),
        f"the backup is in the backups volume, uid {UID}'s: "
        f"{[path.name for path in archives]}",
    )
    work = backups / ".work"
    check(
        work.is_dir() and not any(work.iterdir()),
        "the backup worked in /data/backups/.work (not the tmpfs /tmp), left empty",
    )


def check_logs_and_stop(stack: Stack) -> None:
    print("--- logs", flush=True)
    for name in ("migrate", "web", "worker", "beat"):
        bad = [
            line
            for line in stack.log(name).splitlines()
            if re.search(
                r'"level": ?"(error|critical)"|Traceback|\bERROR\b|\bCRITICAL\b', line
            )
        ]
        check(not bad, f"{name} logged no error" + (f": {bad[:3]}" if bad else ""))

    print("--- docker stop (SIGTERM)", flush=True)
    for name in ("web", "worker", "beat"):
        code = stack.stop(name)
        check(code == 0, f"{name} stops on SIGTERM with exit 0 (got {code})")


def smoke(stack: Stack) -> None:
    started = time.monotonic()
    check(stack.config.get("User") == "helpdesk", "the image runs as user helpdesk")
    password = secrets.token_urlsafe(16)
    check_migrate(stack)
    check_web(stack, started)
    check_admin(stack, password)
    check_tasks(stack, password)
    check_readiness(stack)
    check_writes(stack)
    check_logs_and_stop(stack)


def main() -> int:
    image = sys.argv[1]
    database = f"helpdesk_container_{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="smoke-", dir=CACHE))
    workdir.chmod(0o755)
    # A CI timeout sends SIGTERM: clean up as after a failure.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack = None
    try:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        redis.Redis.from_url(REDIS).flushdb()
        stack = Stack(
            image,
            workdir,
            {
                "DATABASE_URL": f"{POSTGRES}/{database}",
                "REDIS_URL": REDIS,
                "SLA_SWEEP_SECONDS": "2",
                "WORKER_HEARTBEAT_SECONDS": "2",
            },
        )
        smoke(stack)
    except Exception as error:  # every failure prints the services' output
        print(f"!!! container smoke test failed: {error!r}", flush=True)
        for name, log in (stack.logs if stack else {}).items():
            print(f"--- {name}'s output (last 60 lines):")
            print("\n".join(log.read_text(errors="replace").splitlines()[-60:]))
        return 1
    finally:
        if stack:
            stack.kill_all()
        with contextlib.suppress(Exception):
            redis.Redis.from_url(REDIS).flushdb()
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
