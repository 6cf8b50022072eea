"""Time HTML email bodies becoming text, for hostile markup of growing length.

    .venv/bin/python bench/intake.py                  # 10 KB to 2 MB
    .venv/bin/python bench/intake.py --sizes 1000,10000 --runs 5

For every family of integrations/tests/test_html_bounds.py (deep nesting of
lists, divs, quotes and tables, unclosed tags, comments, attributes and
quotes, entity runs) and every size, prints the best of ``--runs`` timings of
``html_to_text`` as milliseconds and as microseconds per KB of input. Linear
time shows as a flat µs/KB column as the size grows; quadratic time would grow
it with the size. Input past MAX_HTML_CHARS (2,000,000) is not converted.
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
    from integrations.html_text import html_to_text
    from integrations.tests.test_html_bounds import HOSTILE, hostile

    print(f"best of {args.runs}")
    print(f"{'family':<22}{'size':>10}{'ms':>10}{'µs/KB':>9}")
    for family, unit in HOSTILE.items():
        for size in sizes:
            markup = hostile(unit, size)
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                html_to_text(markup)
                timings.append((time.perf_counter() - started) * 1000)
            best = min(timings)
            per_kb = best * 1000 / (size / 1000)
            print(
                f"{family:<22}{size:>10,}{best:>10.1f}{per_kb:>9.0f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
