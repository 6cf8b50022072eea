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

import sys

from growth import run


def load():
    from integrations.quotes import strip_quoted
    from integrations.tests.test_quotes import HOSTILE, NEW, unit

    def reply(text: str, size: int) -> str:
        return f"{NEW}\n\n{unit(text, size)}"

    return HOSTILE, reply, strip_quoted


if __name__ == "__main__":
    sys.exit(run(__doc__, load))
