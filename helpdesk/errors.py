"""Domain errors.

Services raise a subclass of ApplicationError when a request breaks a rule;
views turn it into a form error or a flash message and the API into a 4xx
JSON body. ``code`` is a stable machine-readable name, ``message`` is shown
to people.
"""


class ApplicationError(Exception):
    code = "error"
    status_code = 400

    def __init__(self, message: str, *, code: str | None = None, extra=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.message


class PermissionDeniedError(ApplicationError):
    code = "permission_denied"
    status_code = 403


class ConflictError(ApplicationError):
    """The request is valid but the object's state refuses it."""

    code = "conflict"
    status_code = 409
