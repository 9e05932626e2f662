"""Which exceptions are the user's to fix, and with which exit code."""

from __future__ import annotations

from ombud.governance import DomainError, InvalidInput
from ombud.store import DatabaseError, SchemaError, WorkspaceError
from ombud.yamlsource import YamlSourceError

__all__ = ["EXIT_ENVIRONMENT", "EXIT_FAILURE", "EXIT_USAGE", "exit_code_for"]

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3


def exit_code_for(exc: BaseException) -> int | None:
    """2 for input the user must correct, 1 for a refused or failed operation, None for bugs."""
    if isinstance(exc, InvalidInput | YamlSourceError):
        return EXIT_USAGE
    if isinstance(exc, DomainError | WorkspaceError | DatabaseError | SchemaError):
        return EXIT_FAILURE
    if isinstance(exc, ValueError) and type(exc).__module__.startswith("ombud."):
        # Engine input errors (e.g. a classification answer file) are ValueError subclasses.
        return EXIT_USAGE
    return None
