"""Errors of the monitoring engine: one line each, naming the column (and row) and the fix.

Subclasses of ValueError, like every engine error, so a caller that catches ValueError keeps
working while the storage layer can tell a bad prediction log from its own failures.
"""


class MonitorError(ValueError):
    """Bad input to the monitor: what, where (column, row) and how to fix it, on one line."""


class ColumnError(MonitorError):
    """A column is missing, empty, or of the wrong type."""


class TimestampError(MonitorError):
    """A timestamp cannot be read as a point in time."""


class WindowMismatchError(MonitorError):
    """Windows built under different specs (or of different layouts) were combined."""
