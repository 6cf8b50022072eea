"""``make test`` checks that both migration sets are current.

The SQL set (``<app>/migrations/``, for SQLite and PostgreSQL) and the
MongoDB set (``helpdesk/mongo_migrations/``) are compared with the models by
``makemigrations --check --dry-run``, each under its own settings profile, in
a process of its own (the profile is chosen when settings load). Comparing
models with migration files needs no database, so no server has to run:
Django's check that applied migrations are consistent, the one step that
would connect, is skipped here.

Usage: ``python -m helpdesk.devtools.check_migrations``; exits 1 if either
set lacks a migration, naming it.
"""

from __future__ import annotations

import os
import subprocess
import sys

PROFILES = {
    "SQL (SQLite, PostgreSQL)": "sqlite://:memory:",
    "MongoDB": "mongodb://127.0.0.1:27017/migrations-check",
}


def check_current_profile() -> None:
    """``makemigrations --check --dry-run`` for the profile DATABASE_URL picks."""
    import django
    from django.core.management import call_command
    from django.db.migrations.loader import MigrationLoader

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.dev")
    django.setup()
    MigrationLoader.check_consistent_history = lambda self, connection: None
    call_command("makemigrations", check=True, dry_run=True)


def main() -> int:
    failed = []
    for name, url in PROFILES.items():
        print(f"migrations, {name}: ", end="", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", "helpdesk.devtools.check_migrations", "--one"],
            env={**os.environ, "DATABASE_URL": url},
            check=False,
        )
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"missing migrations for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--one"]:
        check_current_profile()
    else:
        sys.exit(main())
