"""Errors of the discovery engine: one line, naming the path and the fix.

Subclasses of ValueError, like every engine error, so the CLI maps them to exit 2.
"""

__all__ = ["DiscoverError", "ScanPathError"]


class DiscoverError(ValueError):
    """Bad input to a scan."""


class ScanPathError(DiscoverError):
    """A path to scan does not exist."""
