"""Errors of the red-team harness.

Every problem a user can fix (a bad prompt-set line, an unknown probe id, a target
that refuses our key) surfaces as a one-line message naming what, where and how to
fix it. They subclass ``ValueError`` so callers can catch bad input in one place.
"""

from __future__ import annotations

__all__ = [
    "ErrorKind",
    "NoResultError",
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
    resets); ``retry_after`` is the delay the server asked for, in seconds. ``kind`` is
    a short, fixed label of the cause (one of ``ErrorKind``) so a run that reached
    nothing can say "54 of 54 attempts: connection refused" instead of 54 messages.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        kind: str = "target error",
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.kind = kind


class TargetAuthError(TargetError):
    """401/403: the credentials are wrong; retrying cannot help, so the run stops."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False, kind=ErrorKind.AUTH)


class NoResultError(RedteamError):
    """A run (or imported file) in which no attempt was scored: it measured nothing."""


class ErrorKind:
    """The fixed labels under which failed attempts are counted."""

    CONNECTION_REFUSED = "connection refused"
    UNREACHABLE = "target unreachable"
    TIMEOUT = "timeout"
    HTTP_5XX = "HTTP 5xx status"
    HTTP_429 = "HTTP 429 rate limited"
    HTTP_4XX = "HTTP 4xx status"
    AUTH = "HTTP 401/403 (credentials)"
    NOT_JSON = "non-JSON/HTML body"
    BAD_BODY = "body not UTF-8 or over the size cap"
    UNEXPECTED_JSON = "JSON without the answer"
    MALFORMED_HTTP = "malformed HTTP"
    EMPTY_CONTENT = "empty content"
    TARGET = "target error"
    NO_ATTACKER = "no attacker model"
