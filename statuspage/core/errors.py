"""Domain errors raised by use-case functions and shown to the user next to a field, and the
error of a setting the service cannot start with (core.config)."""

from __future__ import annotations


class DomainError(Exception):
    """Input a use-case refuses; `field` names the form field to show it next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """An id that names nothing."""


class PermissionDenied(DomainError):
    """The actor's role does not allow this."""


class Conflict(DomainError):
    """A request the target's current state refuses (reopening a resolved incident, giving a
    maintenance an incident's status); the API answers 409, forms show it like any other."""


class ConfigError(RuntimeError):
    """A setting has a value the service cannot run with."""
