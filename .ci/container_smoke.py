"""Runs the image .ci/container built the way docker-compose.yml runs it.

Usage: ``container_smoke.py IMAGE`` (buildah's store under $CACHE). Each app
service of the compose file (migrate, web, worker, beat) runs in a container
of its own from IMAGE, with the compose file's command and environment, its
two volumes and a /tmp of its own, on the host's network: DATABASE_URL and
REDIS_URL point at a database and a Redis db of the smoke test's own on
127.0.0.1 instead of the compose file's `postgres` and `redis` hosts.

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
- the image's user is uid 1000 and may write to the two volumes and /tmp,
  nowhere else;
- no service logged an error or a traceback;
- SIGTERM (what `docker stop` sends) stops web, worker and beat with exit 0.

Exits 1 at the first failed check, after printing the services' logs.
"""

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import redis
import yaml

ROOT = Path(__file__).resolve().parent.parent
CACHE = os.environ.get("HELPDESK_CI_CACHE", "/var/cache/helpdesk-ci")
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/13"
UID = 1000


class SmokeFailed(Exception):
    pass


def buildah(*args: str) -> list[str]:
    return ["buildah", "--root", f"{CACHE}/storage", "--runroot", f"{CACHE}/run", *args]


def check(ok: bool, what: str, detail: str = "") -> None:
    """Print ``what`` as passed, or stop the test with it and ``detail``."""
    if not ok:
        raise SmokeFailed(f"{what}: {detail}" if detail else what)
    passed(what)


def passed(what: str) -> None:
    print(f"    ok: {what}", flush=True)


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} in a value."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise SmokeFailed(f"compose needs {name}: {arg}")
        return arg if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(top: int) -> list[int]:
    """``top`` and the processes under it, breadth-first."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [top]
    while queue:
        pid = queue.pop(0)
        found.append(pid)
        queue.extend(sorted(children.get(pid, [])))
    return found


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL a `buildah run` and what runs under it: killing buildah alone
    leaves the container's processes running."""
    for pid in reversed(descendants(process.pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()


class Stack:
    """The compose file's app services as buildah containers."""

    def __init__(self, image: str, workdir: Path, database: str) -> None:
        self.image = image
        self.workdir = workdir
        self.compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        inspected = subprocess.run(
            buildah("inspect", "--type", "image", image),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.config = json.loads(inspected)["Docker"]["config"]
        self.port = free_port()
        self.outside = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        }
        # The compose file's hosts `postgres` and `redis` are 127.0.0.1 here.
        self.overrides = {
            "DATABASE_URL": f"{POSTGRES}/{database}",
            "REDIS_URL": REDIS,
            "PORT": str(self.port),
            "SLA_SWEEP_SECONDS": "2",
            "WORKER_HEARTBEAT_SECONDS": "2",
        }
        # The compose file's named volumes, as folders of the test's own.
        self.volumes = {}
        for volume in self.service("web")["volumes"]:
            name, path = volume.split(":")[:2]
            host = workdir / "volumes" / name
            host.mkdir(parents=True)
            os.chown(host, UID, UID)  # a named volume takes the image's owner
            self.volumes[path] = host
        self.running: dict[str, subprocess.Popen] = {}
        self.containers: list[str] = []
        self.logs: dict[str, Path] = {}

    def service(self, name: str) -> dict:
        return self.compose["services"][name]

    def environment(self, name: str) -> list[str]:
        env = {
            key: interpolate(str(value), self.outside)
            for key, value in self.service(name).get("environment", {}).items()
        }
        env.update(self.overrides)
        return [f"{key}={value}" for key, value in env.items()]

    def command(self, name: str) -> list[str]:
        command = self.service(name).get("command")
        if command is None:
            return list(self.config["Cmd"])
        words = shlex.split(command) if isinstance(command, str) else list(command)
        return [interpolate(word, self.outside) for word in words]

    def container(self, name: str) -> list[str]:
        """A new container's `buildah run` prefix, with a tmpfs-like /tmp."""
        ctr = subprocess.run(
            buildah(
                "from",
                "--pull=never",
                "--name",
                f"smoke-{name}-{os.getpid()}-{secrets.token_hex(3)}",
                self.image,
            ),
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        self.containers.append(ctr)
        # buildah 1.28 mounts a --volume over only one of an image's VOLUMEs,
        # picked at random, and gives the others empty folders of its own:
        # the container's own VOLUME entries go, and the binds below apply.
        subprocess.run(
            buildah("config", *[f"--volume={path}-" for path in self.volumes], ctr),
            check=True,
        )
        tmp = Path(tempfile.mkdtemp(dir=self.workdir, prefix=f"tmp-{name}-"))
        tmp.chmod(0o1777)
        mounts = [f"--volume={host}:{path}" for path, host in self.volumes.items()]
        return buildah(
            "run", "--isolation", "chroot", "--network", "host",
            *mounts, f"--volume={tmp}:/tmp",
            *[f"--env={pair}" for pair in self.environment(name)],
            ctr, "--",
        )  # fmt: skip

    def run(
        self, name: str, command: list[str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
        """A one-off: `docker compose run NAME [COMMAND]`."""
        process = subprocess.Popen(
            self.container(name) + (command or self.command(name)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(process)
            raise
        return subprocess.CompletedProcess(
            process.args, process.returncode, stdout, stderr
        )

    def start(self, name: str) -> None:
        log = self.workdir / f"{name}.log"
        self.logs[name] = log
        self.running[name] = subprocess.Popen(
            self.container(name) + self.command(name),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def main_process(self, name: str) -> int:
        """The pid of the service's command, what `docker stop` signals: the
        first process under buildah's own (buildah-chroot-runtime and
        buildah-chroot-exec) whose root is the container's."""
        for pid in descendants(self.running[name].pid)[1:]:
            try:
                argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
                if argv0.startswith(b"buildah"):
                    continue
                if os.readlink(f"/proc/{pid}/root") != "/":
                    return pid
            except OSError:
                continue
        raise SmokeFailed(f"{name}: no process found inside the container")

    def stop(self, name: str, timeout: float = 60) -> int:
        os.kill(self.main_process(name), signal.SIGTERM)
        code = self.running[name].wait(timeout)
        del self.running[name]
        return code

    def kill_all(self) -> None:
        """Every process of every service, and the test's containers."""
        for process in self.running.values():
            kill_tree(process)
        self.running.clear()
        if self.containers:
            subprocess.run(buildah("rm", *self.containers), capture_output=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def wait_for(predicate, what: str, timeout: float = 120, stack: Stack | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if stack:
            for name, process in stack.running.items():
                if process.poll() is not None:
                    raise SmokeFailed(f"{name} exited with {process.returncode}")
        time.sleep(0.5)
    raise SmokeFailed(f"gave up after {timeout:.0f} s waiting for {what}")


def fetch(url: str, data: dict | None = None, cookies: dict | None = None):
    """(status, headers, body) of one request, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(data).encode() if data else None
    )
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
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


def smoke(stack: Stack) -> None:
    started = time.monotonic()
    check(stack.config.get("User") == "helpdesk", "the image runs as user helpdesk")
    print("--- migrate", flush=True)
    result = stack.run("migrate")
    check(
        result.returncode == 0,
        "migrate exits 0",
        f"exit {result.returncode}: {result.stderr[-2000:]}",
    )
    (stack.workdir / "migrate.log").write_text(result.stdout + result.stderr)
    stack.logs["migrate"] = stack.workdir / "migrate.log"

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
    result = stack.run("web", test[1:], timeout=30)
    check(
        result.returncode == 0,
        "the image's HEALTHCHECK passes",
        result.stderr[-500:],
    )

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

    print("--- create_admin, sign in", flush=True)
    email, password = "admin@smoke.example", secrets.token_urlsafe(16)
    result = stack.run(
        "web",
        [
            "python",
            "manage.py",
            "create_admin",
            "--email",
            email,
            "--password",
            password,
        ],
        timeout=120,
    )
    check(
        result.returncode == 0,
        "manage.py create_admin exits 0",
        result.stderr[-1000:],
    )
    status, headers, _ = form_post(
        stack, "/accounts/login/", {"username": email, "password": password}
    )
    location = headers.get("Location", "") if status else ""
    check(
        status == 302 and "/accounts/login/" not in location,
        f"the admin signs in (302 to {location!r})",
    )

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

    print("--- what the app may write", flush=True)
    mounts = [*stack.volumes, "/tmp"]
    result = stack.run(
        "worker", ["python", "-c", WRITE_PROBE, json.dumps(mounts)], timeout=180
    )
    check(result.returncode == 0, "the write probe ran", result.stderr[-500:])
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
    result = stack.run("web", ["python", "manage.py", "backup"], timeout=300)
    check(result.returncode == 0, "manage.py backup exits 0", result.stderr[-1000:])
    archives = [
        path for path in stack.volumes["/data/backups"].iterdir() if path.is_file()
    ]
    check(
        bool(archives) and all(path.stat().st_uid == UID for path in archives),
        f"the backup is in the backups volume, uid {UID}'s: "
        f"{[path.name for path in archives]}",
    )
    work = stack.volumes["/data/backups"] / ".work"
    check(
        work.is_dir() and not any(work.iterdir()),
        "the backup worked in /data/backups/.work (not the tmpfs /tmp), left empty",
    )

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
        stack = Stack(image, workdir, database)
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
