"""Errors raised by services; views turn them into messages and status codes."""


class DomainError(Exception):
    """A rule was broken; the message is safe to show to the person who acted."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class TimeChoiceNeeded(DomainError):
    """A typed time that happens twice (clocks go back): ``choices`` are the readings
    to offer, as (value, label)."""

    def __init__(self, message: str, choices: list[tuple[str, str]], *, field: str | None = None):
        super().__init__(message, field=field)
        self.choices = choices


class ConfirmationNeeded(DomainError):
    """The change is allowed but odd (a holiday, a conflict): ``warnings`` say why, and
    saving goes ahead only when the same ``token`` comes back (the person saw them)."""

    def __init__(self, warnings: list[str], token: str):
        super().__init__("Check before saving: " + " ".join(warnings))
        self.warnings = warnings
        self.token = token


class NotAllowed(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class ImportErrors(DomainError):
    """A whole file was rejected; ``errors`` lists (line number, message)."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} problem(s) found; nothing was changed.")
        self.errors = errors
