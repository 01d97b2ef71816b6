"""Domain errors. The web layer maps each kind to an HTTP status in one place (app/errors.py).

Messages are in Chinese: they are shown to the people who caused them.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """The request is well-formed but contradicts the current state."""


class PermissionDenied(DomainError):
    pass


class Invalid(DomainError):
    """Input failed validation; `problems` maps a field (or location) to its message."""

    def __init__(self, message: str, problems: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or {}


class NotReady(DomainError):
    """What was asked for exists but is not available yet (results before publication, a
    preview while a cycle is collecting); the page says so and links back."""

    def __init__(self, message: str, cycle_id: int | None = None) -> None:
        super().__init__(message)
        self.cycle_id = cycle_id
