"""Time cutting the quoted history of a reply, for hostile text of growing
length.

    .venv/bin/python bench/quotes.py                  # 10 KB to 2 MB
    .venv/bin/python bench/quotes.py --sizes 1000,10000 --runs 5

For every family of integrations/tests/test_quotes.py (attribution lines,
header labels, wrapped attribution starts, forward markers, quote and bold
prefixes, blank lines...) and every size, prints the best of ``--runs``
timings of ``strip_quoted`` on a reply followed by that text, as milliseconds
and as microseconds per KB. Linear time shows as a flat µs/KB column.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,2000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.test")
    import django

    django.setup()
    from integrations.quotes import strip_quoted
    from integrations.tests.test_quotes import HOSTILE, NEW, unit

    print(f"best of {args.runs}")
    print(f"{'family':<36}{'size':>10}{'ms':>10}{'µs/KB':>9}")
    for family, text in HOSTILE.items():
        for size in sizes:
            body = f"{NEW}\n\n{unit(text, size)}"
            best = float("inf")
            for _ in range(args.runs):
                started = time.perf_counter()
                strip_quoted(body)
                best = min(best, time.perf_counter() - started)
            per_kb = best * 1e6 / (size / 1000)
            print(f"{family:<36}{size:>10}{best * 1000:>10.1f}{per_kb:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
