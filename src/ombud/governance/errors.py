"""Errors a user can cause and fix: each carries a one-line message with what, where and how."""

from __future__ import annotations

__all__ = ["ConflictError", "DomainError", "InvalidInput", "NotFoundError", "PermissionDenied"]


class DomainError(ValueError):
    """A request that breaks a rule of the domain (invalid field, transition, duplicate...)."""


class NotFoundError(DomainError):
    """The named entity does not exist."""


class PermissionDenied(DomainError):
    """The actor's roles do not allow the action."""


class ConflictError(DomainError):
    """The entity changed (or already exists) since the caller read it."""


class InvalidInput(DomainError):
    """Malformed or incomplete input (a field, a manifest): the caller must fix what they sent."""
