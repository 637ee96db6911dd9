"""The store's errors. Each carries the HTTP status the API answers with and a Chinese message;
the API turns every one into ``{code, message, problems}`` and the CLI prints it and exits 2."""

from __future__ import annotations


class StoreError(Exception):
    status = 400
    code = "E-ST-INVALID"

    def __init__(self, message: str, problems: list[dict] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        if code:
            self.code = code


class Invalid(StoreError):
    status, code = 400, "E-ST-INVALID"


class NotAllowed(StoreError):
    """In scope, but the caller's role may not do this (out of scope is :class:`NotFound`)."""

    status, code = 403, "E-ST-FORBIDDEN"


class NotFound(StoreError):
    status, code = 404, "E-ST-NOT-FOUND"


class Conflict(StoreError):
    """An illegal transition, or a save over a version someone else saved since it was loaded."""

    status, code = 409, "E-ST-CONFLICT"


def from_invalid_input(exc, where: str = "") -> Invalid:
    """Intake's problems (place, code, Chinese message) as an :class:`Invalid` for the API and CLI."""
    problems = [{"code": p.code, "message": p.message, "where": p.where or where, "indicator": p.indicator,
                 "warning": p.is_warning} for p in exc.problems]
    return Invalid(f"{exc.title}（{sum(1 for p in exc.problems if not p.is_warning)} 处）", problems, "E-ST-INPUT")
