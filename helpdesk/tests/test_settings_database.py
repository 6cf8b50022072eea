"""Database connection settings: persistent connections and the pool options."""

import json
import secrets

import pytest
from django.db import connection

from .test_settings import run_manage

SHOW = (
    "import json; from django.conf import settings as s; "
    "d = s.DATABASES['default']; print(json.dumps({'age': d['CONN_MAX_AGE'], "
    "'pool': d.get('OPTIONS', {}).get('pool'), "
    "'cursors': d.get('DISABLE_SERVER_SIDE_CURSORS', False), "
    "'options': d.get('OPTIONS', {}).get('options')}))"
)
POSTGRES = "postgres://helpdesk@127.0.0.1:5432/helpdesk"


def database_settings(**env: str) -> dict:
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        SHOW,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="help.example.com",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_connections_are_kept_by_default():
    assert database_settings(DATABASE_URL=POSTGRES) == {
        "age": 600,
        "pool": None,
        "cursors": False,
        "options": "-c join_collapse_limit=1",
    }


def test_the_psycopg_pool_replaces_persistent_connections():
    shown = database_settings(
        DATABASE_URL=POSTGRES, DATABASE_POOL="psycopg", DATABASE_POOL_MAX_SIZE="8"
    )
    assert shown == {
        "age": 0,
        "pool": {"min_size": 1, "max_size": 8, "timeout": 10.0},
        "cursors": False,
        "options": "-c join_collapse_limit=1",
    }


def test_pgbouncer_turns_server_side_cursors_off():
    shown = database_settings(DATABASE_URL=POSTGRES, DATABASE_POOL="pgbouncer")
    # PgBouncer refuses startup options: the join order is set on the role.
    assert shown == {"age": 600, "pool": None, "cursors": True, "options": None}


def test_the_join_order_setting_can_be_left_to_postgresql(tmp_path):
    shown = database_settings(DATABASE_URL=POSTGRES, DATABASE_JOIN_COLLAPSE_LIMIT="0")
    assert shown["options"] is None
    shown = database_settings(DATABASE_URL=POSTGRES, DATABASE_JOIN_COLLAPSE_LIMIT="4")
    assert shown["options"] == "-c join_collapse_limit=4"
    sqlite = database_settings(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert sqlite["options"] is None


def test_a_pool_on_sqlite_is_refused(tmp_path):
    result = run_manage(
        "check",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="help.example.com",
        # Named, not inherited: the PostgreSQL pass exports its own DATABASE_URL.
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATABASE_POOL="psycopg",
    )
    assert result.returncode != 0
    assert "DATABASE_POOL is for PostgreSQL only" in result.stderr


def test_an_unknown_pool_is_refused():
    result = run_manage(
        "check",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="help.example.com",
        DATABASE_URL=POSTGRES,
        DATABASE_POOL="pgpool",
    )
    assert result.returncode != 0
    assert "use psycopg, pgbouncer or nothing" in result.stderr


@pytest.mark.django_db
def test_postgresql_connections_keep_the_written_join_order():
    if connection.vendor != "postgresql":
        pytest.skip(f"PostgreSQL only; this pass runs {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "1"
