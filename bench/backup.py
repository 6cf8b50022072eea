"""Time backup and restore of 50,000 tickets with 3 messages each.

    .venv/bin/python bench/backup.py                     # SQLite and PostgreSQL
    .venv/bin/python bench/backup.py --engines sqlite --tickets 5000   # quick
    .venv/bin/python bench/backup.py --profile           # also cProfile each step
    .venv/bin/python bench/backup.py --layer dump        # dump/load only

For each engine it builds a throwaway source database (a SQLite file in a
temporary folder, or a PostgreSQL database ``bench_backup_<pid>_source``
created and dropped here): ``migrate``, then ``init_demo_data --tickets N``
(the demo organizations, people and articles, plus N tickets with 3
messages each and their events and SLA notices, ``helpdesk.demo.volume``).
Then, each in a fresh process so its peak memory is its own:

1. ``backup``: ``backup_create(output=...)`` of the source;
2. ``restore``: ``backup_restore(archive)`` into a second, freshly migrated
   database of the same engine (and, for one more line, the SQLite archive
   into PostgreSQL);
3. ``digest``: ``database_digest`` of the source and of the restored
   database, compared (the correctness check; timed, but not a target).

Peak memory is ``ru_maxrss`` of the step's process, which includes Python
and Django themselves (the ``base`` column: the peak after ``django.setup()``
and before the step). ``--layer dump`` times ``dump_database`` into a
folder and ``load_database`` from it instead of the full service (no
archive, no checksums); ``auto`` (the default) does so only while
``helpdesk.backup.archive`` is not implemented yet.

Settings: ``helpdesk.settings.dev`` with ``DJANGO_DEBUG=false`` (a debug
cursor keeps the text of the last 9,000 queries, which would count against
the restore's memory), attachments, backups and the broker folder in the
temporary folder, no Redis. Exits 0 whatever the figures; non-zero only
when it cannot measure or a restored database differs from its source.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_BACKUP_S = 60.0
TARGET_RESTORE_S = 180.0
TARGET_PEAK_MB = 300.0
RESULT = "RESULT "


# --- One step, in its own process -----------------------------------------------


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def setup_django() -> float:
    """Set Django up from the environment the parent gave; returns the peak
    memory (MB) reached by then."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return peak_mb()


def archive_ready() -> bool:
    """Whether ``helpdesk.backup.archive`` is implemented (it starts as a
    stub that raises ``NotImplementedError``)."""
    import io

    from helpdesk.backup.archive import ArchiveWriter

    try:
        ArchiveWriter(io.BytesIO(), passphrase="", compress=False)
    except NotImplementedError:
        return False
    return True


def step_backup(archive: Path, layer: str) -> dict:
    from django.db import connection

    from helpdesk.backup.dump import dump_database

    if layer == "service":
        from helpdesk.backup.service import backup_create

        result = backup_create(output=archive)
        models = result.manifest["models"]
        size = result.size
    else:
        archive.mkdir()
        models, _ = dump_database(archive, using="default")
        (archive / "manifest.json").write_text(
            json.dumps({"models": models, "engine": connection.vendor})
        )
        size = sum(path.stat().st_size for path in archive.rglob("*") if path.is_file())
    return {"rows": sum(entry["rows"] for entry in models.values()), "bytes": size}


def step_restore(archive: Path, layer: str) -> dict:
    if layer == "service":
        from helpdesk.backup.service import backup_restore

        counts = backup_restore(archive)
    else:
        from helpdesk.backup.load import load_database

        manifest = json.loads((archive / "manifest.json").read_text())
        counts = load_database(archive, manifest, using="default", replace=False)
    return {"rows": sum(counts.values())}


def step_digest(output: Path) -> dict:
    """Write ``{label: [rows, sha256 of the model's digest]}`` to ``output``;
    two databases hold the same rows when these are equal."""
    import hashlib

    from helpdesk.backup.compare import database_digest

    digest = database_digest()
    summary = {}
    for name, rows in digest.items():
        text = json.dumps(sorted(rows.items()))
        summary[name] = [sum(rows.values()), hashlib.sha256(text.encode()).hexdigest()]
    output.write_text(json.dumps(summary))
    return {"rows": sum(rows for rows, _ in summary.values())}


def run_step(args: argparse.Namespace) -> int:
    base = setup_django()
    layer = args.layer
    if layer == "auto":
        layer = "service" if archive_ready() else "dump"
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    if args.step == "backup":
        found = step_backup(args.path, layer)
    elif args.step == "restore":
        found = step_restore(args.path, layer)
    else:
        found = step_digest(args.path)
    seconds = time.perf_counter() - started
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        for order in ("tottime", "cumulative"):
            shown = io.StringIO()
            stats = pstats.Stats(profiler, stream=shown)
            stats.sort_stats(order).print_stats(args.profile_lines)
            print(f"--- {args.step} profile by {order} ---")
            print(shown.getvalue().split("\n\n", 1)[-1].strip())
    found.update(seconds=seconds, peak_mb=peak_mb(), base_mb=base, layer=layer)
    print(RESULT + json.dumps(found), flush=True)
    return 0


# --- Databases ----------------------------------------------------------------


class Postgres:
    """Creates and drops throwaway databases on one server (psycopg, in
    autocommit: CREATE/DROP DATABASE cannot run in a transaction)."""

    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")
        self.made: list[str] = []

    def reachable(self) -> str:
        """An empty string, or why the server cannot be used."""
        try:
            import psycopg
        except ImportError as error:
            return f"psycopg is not installed ({error})"
        try:
            with psycopg.connect(f"{self.server}/postgres", connect_timeout=5):
                return ""
        except psycopg.Error as error:
            return f"{self.server} is unreachable: {str(error).strip()}"

    def _run(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
            conn.execute(statement)

    def create(self, name: str) -> str:
        self.drop(name)
        self._run(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return f"{self.server}/{name}"

    def drop(self, name: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        for name in self.made:
            self.drop(name)
        self.made.clear()


def environment(database_url: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.dev",
        "DJANGO_DEBUG": "false",
        "PRIVATE_MEDIA_ROOT": str(work / "private"),
        "MEDIA_ROOT": str(work / "media"),
        "HELPDESK_VAR_DIR": str(work / "var"),
        "BACKUP_DIR": str(work / "backups"),
        "REDIS_URL": "",
        "PYTHONPATH": str(ROOT),
    }


def manage(database_url: str, work: Path, *arguments: str) -> None:
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        cwd=ROOT,
        env=environment(database_url, work),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stdout.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {' '.join(arguments)} failed")


def step(
    name: str, database_url: str, work: Path, path: Path, args: argparse.Namespace
) -> dict:
    """Run one step in a fresh process and return its RESULT line."""
    command = [
        sys.executable, __file__, "--step", name, "--path", str(path),
        "--layer", args.layer, "--profile-lines", str(args.profile_lines),
        *(["--profile"] if args.profile else []),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603
        command,
        cwd=ROOT,
        env=environment(database_url, work),
        capture_output=True,
        text=True,
    )
    lines = done.stdout.splitlines()
    for line in lines:
        if not line.startswith(RESULT) and args.profile:
            print(f"    {line}")
    if done.returncode:
        sys.stdout.write(done.stdout + done.stderr)
        raise SystemExit(f"the {name} step failed on {database_url}")
    return json.loads(next(line for line in lines if line.startswith(RESULT))[7:])


# --- Main ---------------------------------------------------------------------


def seed(database_url: str, work: Path, tickets: int) -> None:
    started = time.monotonic()
    manage(database_url, work, "migrate", "-v0")
    manage(database_url, work, "init_demo_data", "--tickets", str(tickets))
    print(f"  seeded {tickets:,} tickets in {time.monotonic() - started:.0f} s")


def compare(work: Path, source: dict, restored: dict, label: str) -> bool:
    """Print and answer whether two digest summaries are equal."""
    a = json.loads((work / source["file"]).read_text())
    b = json.loads((work / restored["file"]).read_text())
    differing = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    verdict = "equal" if not differing else f"DIFFER in {', '.join(differing[:5])}"
    print(
        f"  digest {label}: {verdict} ({source['rows']:,} rows; digest of the "
        f"restored database {restored['seconds']:.1f} s, "
        f"peak {restored['peak_mb']:.0f} MB)"
    )
    return not differing


def run_engine(
    engine: str, args: argparse.Namespace, work: Path, postgres: Postgres | None
) -> list[tuple[str, dict, dict]]:
    """Seed, back up, restore and compare on one engine; returns table rows
    (label, backup result, restore result) and records digests."""
    pid = os.getpid()

    def fresh(role: str, on: str) -> str:
        if on == "sqlite":
            return f"sqlite:///{work / f'{role}.sqlite3'}"
        return postgres.create(f"bench_backup_{pid}_{role}")

    print(f"{engine}:")
    source = fresh("source", engine)
    seed(source, work, args.tickets)
    archive = work / f"{engine}.backup"
    backup = step("backup", source, work, archive, args)
    print(
        f"  backup ({backup['layer']}): {backup['seconds']:.1f} s, "
        f"{backup['bytes']:,} bytes"
    )
    source_digest = step("digest", source, work, work / f"{engine}-source.json", args)
    source_digest["file"] = f"{engine}-source.json"
    targets = [(engine, engine)]
    if engine == "sqlite" and postgres is not None:
        targets.append(("sqlite -> postgresql", "postgresql"))
    rows, equal = [], True
    for label, on in targets:
        target = fresh(f"restored_{on}", on)
        manage(target, work, "migrate", "-v0")
        restore = step("restore", target, work, archive, args)
        print(f"  restore {label}: {restore['seconds']:.1f} s")
        name = f"{label.replace(' -> ', '-')}-restored.json"
        restored = step("digest", target, work, work / name, args)
        restored["file"] = name
        equal &= compare(work, source_digest, restored, label)
        rows.append((label, backup, restore))
        if on == "postgresql":
            postgres.drop(f"bench_backup_{pid}_restored_{on}")
    args.all_equal &= equal
    return rows


def verdict(value: float, limit: float) -> str:
    return "ok" if value < limit else "MISSED"


def print_table(rows: list[tuple[str, dict, dict]], tickets: int) -> None:
    header = (
        f"{'engine':<22}{'rows':>10}{'archive bytes':>15}{'backup s':>10}"
        f"{'restore s':>11}{'peak MB backup':>16}{'peak MB restore':>17}"
        f"{'base MB':>9}"
    )
    print()
    print(f"{tickets:,} tickets with 3 messages each")
    print(header)
    print("-" * len(header))
    for label, backup, restore in rows:
        print(
            f"{label:<22}{backup['rows']:>10,}{backup['bytes']:>15,}"
            f"{backup['seconds']:>10.1f}{restore['seconds']:>11.1f}"
            f"{backup['peak_mb']:>16.0f}{restore['peak_mb']:>17.0f}"
            f"{backup['base_mb']:>9.0f}"
        )
    print(
        f"targets: backup < {TARGET_BACKUP_S:.0f} s, restore < "
        f"{TARGET_RESTORE_S:.0f} s, peak < {TARGET_PEAK_MB:.0f} MB"
    )
    for label, backup, restore in rows:
        checks = [
            f"backup {verdict(backup['seconds'], TARGET_BACKUP_S)}",
            f"restore {verdict(restore['seconds'], TARGET_RESTORE_S)}",
            f"peak backup {verdict(backup['peak_mb'], TARGET_PEAK_MB)}",
            f"peak restore {verdict(restore['peak_mb'], TARGET_PEAK_MB)}",
        ]
        print(f"  {label}: {', '.join(checks)} (layer {backup['layer']})")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the end {load} on {os.cpu_count()} cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="Comma-separated."
    )
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help="The PostgreSQL server (no database name) for throwaway databases.",
    )
    parser.add_argument(
        "--layer",
        choices=["auto", "service", "dump"],
        default="auto",
        help="service: backup_create/backup_restore; dump: dump_database/"
        "load_database; auto: service once the archive module is implemented.",
    )
    parser.add_argument(
        "--profile", action="store_true", help="Run each step under cProfile."
    )
    parser.add_argument("--profile-lines", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    parser.add_argument("--step", choices=["backup", "restore", "digest"])
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.step:
        return run_step(args)
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    postgres = None
    if "postgresql" in engines or "sqlite" in engines:
        postgres = Postgres(args.postgres)
        reason = postgres.reachable()
        if reason:
            print(f"PostgreSQL skipped: {reason}")
            postgres = None
            engines = [name for name in engines if name != "postgresql"]
    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-backup-"))
    args.all_equal = True
    rows = []
    try:
        for engine in engines:
            rows += run_engine(engine, args, work, postgres)
    finally:
        if postgres is not None:
            postgres.drop_all()
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows, args.tickets)
    if not args.all_equal:
        print("a restored database differs from its source")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
