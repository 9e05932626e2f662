"""Errors an audit raises for input the caller must fix.

Each is a ``ValueError`` defined here, so a notebook user can catch one kind of mistake and the
CLI can turn any of them into a one-line message and exit code 2 without a traceback.
"""

from __future__ import annotations

__all__ = [
    "AuditInputError",
    "MissingColumnsError",
    "MissingValuesError",
    "PolicyError",
    "SingleGroupError",
]


class AuditInputError(ValueError):
    """The data or options given to ``audit`` cannot be used as they are."""


class MissingColumnsError(AuditInputError):
    """A named column is not in the data (the message lists what the data has)."""


class MissingValuesError(AuditInputError):
    """Rows with a missing label, prediction or score, and ``on_missing='raise'``."""


class SingleGroupError(AuditInputError):
    """A sensitive attribute has one group only, so there is nothing to compare."""


class PolicyError(AuditInputError):
    """A fairness policy (or a mapping meant to become one) is malformed."""
