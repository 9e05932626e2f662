"""Errors of the red-team harness.

Every problem a user can fix (a bad prompt-set line, an unknown probe id, a target
that refuses our key) surfaces as a one-line message naming what, where and how to
fix it. They subclass ``ValueError`` so callers can catch bad input in one place.
"""

from __future__ import annotations

__all__ = [
    "PluginError",
    "PromptSetError",
    "RedteamError",
    "TargetAuthError",
    "TargetError",
    "UnknownPluginError",
]


class RedteamError(ValueError):
    """Base class of every red-team error a user can act on."""


class UnknownPluginError(RedteamError):
    """A probe, detector, mutator or target id that no registered plugin has."""


class PluginError(RedteamError):
    """A plugin that failed to load or raised while producing attempts."""


class PromptSetError(RedteamError):
    """A malformed prompt-set or result file (the message carries the line number)."""


class TargetError(RedteamError):
    """A failed call to a target.

    ``retryable`` says whether trying again may help (429, 5xx, timeouts, connection
    resets); ``retry_after`` is the delay the server asked for, in seconds.
    """

    def __init__(
        self, message: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class TargetAuthError(TargetError):
    """401/403: the credentials are wrong; retrying cannot help, so the run stops."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)
