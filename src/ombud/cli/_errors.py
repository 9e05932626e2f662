"""The one error boundary of the ``ombud`` command: a line and an exit code per failure.

Exit codes are the same for every command, so CI can branch on them:

====  ==========================================================================
0     success; a gate or check passed
1     a gate or check failed, or the operation was refused (conflict, permission)
2     usage or input error: a bad flag, file, manifest, date, or an unknown name
3     environment or I/O error: unwritable output, unreachable database, damaged
      workspace (missing table, settings pointing nowhere, missing chain key)
70    internal error, i.e. a bug in Ombud (``EX_SOFTWARE`` of sysexits.h); the
      line says so and ``--debug`` shows the traceback
====  ==========================================================================

70 rather than 1 keeps a crash apart from a failed gate: a pipeline that treats 1 as
"the model is not ready" must not read a bug as a verdict.

Each layer words its own errors (file paths here, YAML positions in ``yamlsource``,
formats in the importers); this module only decides the code and keeps it one line.
"""

from __future__ import annotations

import sqlalchemy.exc

from ombud.explain import ExtraNotInstalledError
from ombud.governance import DomainError, InvalidInput, NotFoundError
from ombud.store import DatabaseError, SchemaError, WorkspaceError
from ombud.store.checkpoint import CheckpointError
from ombud.store.database import DatabaseURLError
from ombud.yamlsource import YamlSourceError

__all__ = [
    "EXIT_ENVIRONMENT",
    "EXIT_FAILURE",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "OutputError",
    "describe",
    "exit_code_for",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 70


class OutputError(RuntimeError):
    """An output file that cannot be written (missing or read-only folder)."""


def exit_code_for(exc: BaseException) -> int | None:
    """The exit code of an expected failure, or None for a bug."""
    if isinstance(exc, InvalidInput | NotFoundError | YamlSourceError | DatabaseURLError):
        return EXIT_USAGE
    if isinstance(exc, DomainError):
        return EXIT_FAILURE
    if isinstance(exc, ExtraNotInstalledError):  # an optional extra (torch) is missing
        return EXIT_ENVIRONMENT
    if isinstance(
        exc, OutputError | WorkspaceError | DatabaseError | SchemaError | CheckpointError | OSError
    ):
        return EXIT_ENVIRONMENT
    if isinstance(exc, _DATABASE_FAILURES):
        return EXIT_ENVIRONMENT
    if isinstance(exc, ValueError) and type(exc).__module__.startswith("ombud."):
        # Engine input errors (e.g. a classification answer file) are ValueError subclasses.
        return EXIT_USAGE
    return None


# A query the database refuses after the schema check passed: a dropped table or column,
# a lost connection, a read-only file. The workspace is damaged or unreachable.
_DATABASE_FAILURES = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.ProgrammingError,
    sqlalchemy.exc.InterfaceError,
)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one line to print for ``exc``."""
    code = exit_code_for(exc)
    if code is None:
        what = _first_line(str(exc))
        detail = f"{type(exc).__name__}: {what}" if what else type(exc).__name__
        return EXIT_INTERNAL, (
            f"internal error: {detail} (a bug in Ombud; run with --debug for the traceback)"
        )
    if isinstance(exc, _DATABASE_FAILURES):
        reason = _first_line(str(exc.orig) if exc.orig is not None else str(exc))
        return code, (
            f"error: the workspace database failed ({reason}); it is damaged or unreachable: "
            "check --db, run `ombud upgrade`, or restore it from backup"
        )
    if isinstance(exc, OSError) and not isinstance(exc, OutputError):
        reason = exc.strerror or type(exc).__name__
        where = f"{exc.filename}: " if exc.filename else ""
        return code, f"error: {where}{reason}; check the path and its permissions"
    return code, f"error: {exc}"
