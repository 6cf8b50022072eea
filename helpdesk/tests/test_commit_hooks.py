"""Robust after-commit hooks: always loggable, whatever the callable."""

import ast
import logging
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings

from helpdesk.commit_hooks import on_commit_robust

APPS = ["accounts", "helpdesk", "integrations", "notifications", "organizations"]
APPS += ["reports", "tickets"]


def broken(reason: str) -> None:
    raise RuntimeError(reason)


@pytest.mark.django_db
def test_a_failing_hook_is_logged_by_its_label_and_goes_no_further(
    django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.ERROR)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        on_commit_robust("relay.send", partial(broken, "relay down"))
    assert len(callbacks) == 1
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "Error calling relay.send in on_commit() (relay down)" in record.message


def test_product_code_queues_no_robust_hook_django_cannot_name():
    """``on_commit(f, robust=True)`` logs ``f.__qualname__``: only functions
    and lambdas have one, so anything built by a call (``partial(...)``)
    goes through ``on_commit_robust`` instead."""
    offenders = []
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", getattr(node.func, "id", ""))
                    == "on_commit"
                    and any(
                        k.arg == "robust"
                        and not (
                            isinstance(k.value, ast.Constant) and k.value.value is False
                        )
                        for k in node.keywords
                    )
                    and node.args
                    and not isinstance(node.args[0], ast.Lambda | ast.Name)
                ):
                    offenders.append(
                        f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}"
                    )
    assert offenders == []
