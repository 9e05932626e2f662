"""The exit-code table of docs/cli.md, and output files that are all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy.exc

from ombud.cli._errors import (
    EXIT_ENVIRONMENT,
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_USAGE,
    OutputError,
    describe,
)
from ombud.cli._output import check_output, open_output, write_output
from ombud.fairness import AuditInputError
from ombud.governance import ConflictError, InvalidInput, NotFoundError, PermissionDenied
from ombud.store import DatabaseError, SchemaError, WorkspaceError
from ombud.store.database import DatabaseURLError
from ombud.yamlsource import YamlSourceError


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (InvalidInput("bad"), EXIT_USAGE),
        (NotFoundError("no AI system 'x'"), EXIT_USAGE),
        (YamlSourceError("f.yaml:3: bad"), EXIT_USAGE),
        (AuditInputError("column 'y' missing"), EXIT_USAGE),
        (DatabaseURLError("'x' is not a database URL"), EXIT_USAGE),
        (ConflictError("exists"), EXIT_FAILURE),
        (PermissionDenied("may not"), EXIT_FAILURE),
        (OutputError("-o x: folder missing"), EXIT_ENVIRONMENT),
        (WorkspaceError("no workspace"), EXIT_ENVIRONMENT),
        (DatabaseError("cannot connect"), EXIT_ENVIRONMENT),
        (SchemaError("newer"), EXIT_ENVIRONMENT),
        (PermissionError(13, "Permission denied", "/x"), EXIT_ENVIRONMENT),
        (
            sqlalchemy.exc.OperationalError("SELECT", {}, Exception("no such table: users")),
            EXIT_ENVIRONMENT,
        ),
        (KeyError("surprise"), EXIT_INTERNAL),
        (ValueError("a bug outside ombud"), EXIT_INTERNAL),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_every_failure_has_its_code_and_one_line(exc: BaseException, code: int) -> None:
    got, line = describe(exc)
    assert got == code
    assert "\n" not in line
    assert line.startswith("internal error: " if code == EXIT_INTERNAL else "error: ")


def test_a_database_failure_names_the_reason() -> None:
    exc = sqlalchemy.exc.OperationalError("SELECT", {}, Exception("no such table: users"))
    assert "no such table: users" in describe(exc)[1]


def test_check_output_refuses_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        check_output(tmp_path / "missing" / "r.html")
    with pytest.raises(OutputError, match="is a folder"):
        check_output(tmp_path)
    check_output(tmp_path / "r.html")
    assert list(tmp_path.iterdir()) == []  # the probe is gone


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    write_output(target, "old report\n")

    def render_half() -> None:
        with open_output(target) as handle:
            handle.write("half a new rep")
            raise RuntimeError("rendering failed")

    with pytest.raises(RuntimeError, match="rendering failed"):
        render_half()
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]
    write_output(target, b"new\n")
    assert target.read_bytes() == b"new\n"
