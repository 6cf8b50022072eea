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

import sys

from growth import run


def load():
    from integrations.html_text import html_to_text
    from integrations.tests.test_html_bounds import HOSTILE, hostile

    return HOSTILE, hostile, html_to_text


if __name__ == "__main__":
    sys.exit(run(__doc__, load))
