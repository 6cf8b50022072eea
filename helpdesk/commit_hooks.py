"""After-commit work whose failure must not fail the change it follows.

``transaction.on_commit(func, robust=True)`` logs a failing ``func`` by its
``__qualname__``; a callable without one (a bare ``functools.partial``, for
instance) makes that logging itself raise, and the request that committed
answers 500 after all. ``on_commit_robust`` always queues a named hook.
"""

from collections.abc import Callable

from django.db import transaction


def on_commit_robust(label: str, func: Callable[[], object]) -> None:
    """Call ``func`` once the transaction commits (now, outside one).

    An exception from ``func`` is logged by Django (logger
    ``django.db.backends``, naming ``label``) and goes no further: the data
    is already committed and the caller carries on.
    """

    def hook() -> None:
        func()

    hook.__name__ = hook.__qualname__ = label
    transaction.on_commit(hook, robust=True)
