"""The app services of docker-compose.yml, run from an image with buildah.

No Docker engine runs on CI's machines: each service runs in a buildah
container of its own (chroot isolation, the host's network), with the compose
file's command and environment (its ${...} interpolated), its named volumes as
folders of the caller's, owned by the image's user, and a /tmp of its own.
Used by container_smoke.py, which says what is checked.
"""

import contextlib
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CACHE = os.environ.get("HELPDESK_CI_CACHE", "/var/cache/helpdesk-ci")
UID = 1000  # the image's user, who owns its volumes


class SmokeFailed(Exception):
    pass


def buildah(*args: str) -> list[str]:
    return ["buildah", "--root", f"{CACHE}/storage", "--runroot", f"{CACHE}/run", *args]


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

    def __init__(self, image: str, workdir: Path, overrides: dict[str, str]) -> None:
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
        # What differs from the compose file (DATABASE_URL, REDIS_URL: its
        # hosts `postgres` and `redis` are elsewhere), and the port web binds.
        self.overrides = {**overrides, "PORT": str(self.port)}
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
