"""The shared runner of the benchmarks that time one function on hostile
input of growing length (``intake.py``, ``quotes.py``).

For every family and every size it prints the best of ``--runs`` timings as
milliseconds and as microseconds per KB of input. Linear time shows as a flat
µs/KB column as the size grows; quadratic time would grow it with the size.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a benchmark hands the runner once Django is set up: its families
# (name -> repeated unit), how to build an input of a size from a unit, and
# the function to time on that input.
Subject = tuple[dict[str, str], Callable[[str, int], str], Callable[[str], object]]


def run(doc: str, load: Callable[[], Subject]) -> int:
    """Parse ``--sizes`` (characters, comma-separated) and ``--runs``, set up
    Django with the test settings, call ``load()`` and print the table."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,2000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.test")
    import django

    django.setup()
    families, build, timed = load()
    width = max(len(family) for family in families) + 2
    print(f"best of {args.runs}")
    print(f"{'family':<{width}}{'size':>10}{'ms':>10}{'µs/KB':>9}")
    for family, text in families.items():
        for size in sizes:
            subject = build(text, size)
            best = float("inf")
            for _ in range(args.runs):
                started = time.perf_counter()
                timed(subject)
                best = min(best, time.perf_counter() - started)
            per_kb = best * 1e6 / (size / 1000)
            print(
                f"{family:<{width}}{size:>10,}{best * 1000:>10.1f}{per_kb:>9.1f}",
                flush=True,
            )
    return 0
