"""Time the message renderer against hostile bodies of growing length.

    .venv/bin/python bench/render.py                  # 1 KB to 1 MB
    .venv/bin/python bench/render.py --sizes 1000,10000 --runs 5

For every adversarial family of tickets/tests/test_render_bounds.py (runs of
brackets, emphasis, deep nesting, link chains, backticks, angle brackets,
entities, tables...) and every size, prints the best of ``--runs`` timings of

- ``markdown``: the Markdown path itself (cmark-gfm, nesting checks, nh3),
  whatever the length, so its growth shows;
- ``stored``: what a message of that length really gets
  (``render_markdown``: plain text above MARKDOWN_MAX_CHARS),

each as milliseconds and as microseconds per KB of input, and how many times
the input's length the stored HTML is (``x``). Linear time shows as a flat
µs/KB column as the size grows tenfold; quadratic time would grow it tenfold.
The amplifier families (wide tables over short lines, reference links...)
come from the same test file. Runs in this process with the test settings;
needs no database.
"""

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.test")
    import django

    django.setup()


def best_ms(render, body: str, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        render(body)
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    setup_django()
    import logging

    from helpdesk.rendering import (
        MARKDOWN_MAX_CHARS,
        NestingTooDeep,
        render_commonmark,
        render_markdown,
    )
    from tickets.tests.test_render_bounds import adversarial, amplifiers

    logging.disable(logging.WARNING)

    def markdown_path(body: str) -> None:
        # Found too deep: that check is then the whole cost.
        with contextlib.suppress(NestingTooDeep):
            render_commonmark(body)

    print(
        f"best of {args.runs}; Markdown up to {MARKDOWN_MAX_CHARS:,} characters, "
        "plain text above"
    )
    header = f"{'family':<22}{'size':>10}{'markdown ms':>13}{'µs/KB':>9}"
    header += f"{'stored ms':>11}{'µs/KB':>9}{'x':>7}"
    print(header)
    worst = dict.fromkeys(sizes, 0.0)
    families = dict.fromkeys(adversarial(10), adversarial)
    families |= dict.fromkeys(amplifiers(10), amplifiers)
    for family, bodies in families.items():
        for size in sizes:
            body = bodies(size)[family]
            kb = len(body) / 1000
            markdown = best_ms(markdown_path, body, args.runs)
            stored = best_ms(render_markdown, body, args.runs)
            growth = len(render_markdown(body)) / len(body)
            worst[size] = max(worst[size], stored)
            print(
                f"{family:<22}{size:>10,}{markdown:>13.2f}{markdown * 1000 / kb:>9.0f}"
                f"{stored:>11.2f}{stored * 1000 / kb:>9.0f}{growth:>7.1f}",
                flush=True,
            )
    print()
    for size, milliseconds in worst.items():
        print(f"slowest stored render at {size:>9,} characters: {milliseconds:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
