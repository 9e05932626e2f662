"""The one error a mitigation engine raises for input it cannot use.

It is a ``ValueError`` so a notebook user sees a plain value problem, and the CLI maps it
to exit code 2 (bad input) with its one-line message.
"""

from __future__ import annotations

__all__ = ["MitigationInputError"]


class MitigationInputError(ValueError):
    """The data, Tally or settings cannot support the requested mitigation."""
