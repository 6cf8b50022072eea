"""Round trips between database engines, run the way an operator would:
``manage.py migrate``, ``init_demo_data``, ``backup``, ``restore`` in
processes of their own, each against one database.

SQLite (demo data plus attachments) is backed up and restored into
PostgreSQL and into MongoDB (a SecantusDB test server started here), and
PostgreSQL's copy is backed up and restored into a new SQLite file; each copy
is compared with its source row by row (:func:`database_digest`: by content,
references followed to the rows they name, since keys change between SQL and
MongoDB) and file by file. MongoDB keeps times to the millisecond, so that
comparison is at millisecond precision; the SQL ones are exact. Passwords,
API keys and the authenticator secret must still work after each hop.

They run once per CI run, in the SQLite pass, and need the PostgreSQL server
on 127.0.0.1:5432 (skipped, saying so, without it).
"""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from conftest import free_port

ADMIN = "admin@helpdesk.example"
# The demo data's password for everyone (printed by init_demo_data).
DEMO_PASSWORD = "helpdesk-demo"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _skip_reason() -> str | None:
    if connection.vendor != "sqlite":
        return (
            "cross-engine round trips run once per CI run, in the SQLite pass "
            f"(this pass is {connection.vendor})"
        )
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        return f"PostgreSQL at 127.0.0.1:5432 is unreachable ({error})"
    return None


class Site:
    """One database and its files, driven through manage.py."""

    def __init__(self, url: str, media: Path, log: Path):
        self.url, self.media, self.log = url, media, log

    def env(self) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            DATABASE_URL=self.url,
            PRIVATE_MEDIA_ROOT=str(self.media),
            DJANGO_SETTINGS_MODULE="helpdesk.settings.dev",
            BACKUP_PASSPHRASE="",
        )
        return env

    def run(self, *args: str, module: bool = False, check: bool = True) -> int:
        command = [sys.executable, "-m", "helpdesk.backup.tests.crossdb", *args]
        if not module:
            command = [sys.executable, "manage.py", *args]
        with open(self.log, "a") as log:
            log.write(f"\n$ {' '.join(args)}\n")
            log.flush()
            done = subprocess.run(  # noqa: S603
                command,
                cwd=settings.BASE_DIR,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=600,
            )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} failed on {self.url}:\n"
                f"{self.log.read_text()[-3000:]}"
            )
        return done.returncode

    def digest(self, out: Path, *, milliseconds: bool = False) -> dict:
        self.run(
            "digest",
            str(out),
            *(["--milliseconds"] if milliseconds else []),
            module=True,
        )
        return json.loads(out.read_text())


def _assert_same(source: dict, copy: dict) -> None:
    assert copy["files"] == source["files"]
    assert set(copy["rows"]) == set(source["rows"])
    different = [
        label
        for label in source["rows"]
        if source["rows"][label] != copy["rows"][label]
    ]
    for label in different:
        only_source = set(source["rows"][label]) - set(copy["rows"][label])
        only_copy = set(copy["rows"][label]) - set(source["rows"][label])
        print(label, "only in source:", sorted(only_source)[:2])
        print(label, "only in copy:", sorted(only_copy)[:2])
    assert different == []


def _signs_in(site: Site, api_key: str) -> None:
    assert site.run("login", ADMIN, DEMO_PASSWORD, module=True, check=False) == 0
    assert site.run("login", ADMIN, "wrong password", module=True, check=False) == 1
    assert site.run("apikey_check", api_key, ADMIN, module=True, check=False) == 0
    assert site.run("apikey_check", api_key + "x", ADMIN, module=True, check=False) == 1
    assert site.run("totp", ADMIN, module=True, check=False) == 0


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("cross-engine")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "helpdesk.devtools.mongo_test_server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            ":memory:",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pg_name = f"test_cross_engine_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{pg_name}"')
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        yield {
            "root": root,
            "postgres": f"postgres://postgres@127.0.0.1:5432/{pg_name}",
            "mongodb": f"mongodb://127.0.0.1:{port}/cross_engine",
        }
    finally:
        server.terminate()
        server.wait(timeout=20)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def test_sqlite_to_postgresql_to_sqlite_and_to_mongodb_change_nothing(engines):
    root = engines["root"]
    log = root / "commands.log"

    source = Site(f"sqlite:///{root / 'source.sqlite3'}", root / "source-files", log)
    source.run("migrate", "-v0")
    source.run("init_demo_data")
    source.run("attach", ADMIN, module=True)
    source.run("apikey_create", ADMIN, str(root / "key"), module=True)
    api_key = (root / "key").read_text()
    source.run("backup", "--output", str(root / "from-sqlite.tar.gz"))
    exact = source.digest(root / "source.json")
    rounded = source.digest(root / "source-ms.json", milliseconds=True)
    assert len(exact["files"]) == 3
    assert all(value != "missing" for value in exact["files"].values())
    assert sum(len(rows) for rows in exact["rows"].values()) > 500

    postgres = Site(engines["postgres"], root / "postgres-files", log)
    postgres.run("migrate", "-v0")
    postgres.run("restore", str(root / "from-sqlite.tar.gz"))
    _assert_same(exact, postgres.digest(root / "postgres.json"))
    _signs_in(postgres, api_key)

    mongodb = Site(engines["mongodb"], root / "mongodb-files", log)
    mongodb.run("migrate", "-v0")
    mongodb.run("restore", str(root / "from-sqlite.tar.gz"))
    _assert_same(rounded, mongodb.digest(root / "mongodb.json", milliseconds=True))
    _signs_in(mongodb, api_key)

    postgres.run("backup", "--output", str(root / "from-postgres.tar.gz"))
    back = Site(f"sqlite:///{root / 'back.sqlite3'}", root / "back-files", log)
    back.run("migrate", "-v0")
    back.run("restore", str(root / "from-postgres.tar.gz"))
    _assert_same(exact, back.digest(root / "back.json"))
    _signs_in(back, api_key)

    mongodb.run("backup", "--output", str(root / "from-mongodb.tar.gz"))
    again = Site(f"sqlite:///{root / 'again.sqlite3'}", root / "again-files", log)
    again.run("migrate", "-v0")
    again.run("restore", str(root / "from-mongodb.tar.gz"))
    _assert_same(rounded, again.digest(root / "again.json", milliseconds=True))
    _signs_in(again, api_key)
