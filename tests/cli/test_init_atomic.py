"""``ombud init`` is all-or-nothing, and the CLI's error boundary: one line, exit 70 for bugs.

A failed init (bad ``--db``, a read-only place, a file in the way, a folder holding other
files, a bad admin name) must leave the disk exactly as it was, so that the next
``ombud init`` with a good ``--db`` simply works.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ombud.cli._errors import EXIT_ENVIRONMENT, EXIT_FAILURE, EXIT_INTERNAL, EXIT_USAGE
from ombud.cli.main import run

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py


def _cli(*args: str) -> None:
    code: object = 0
    try:
        run(list(args))
    except SystemExit as exc:
        code = exc.code
    assert not code, f"ombud {' '.join(args)} failed with {code}"


def check_one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    return lines[0]


# --- init: a failed init leaves the folder as it was -----------------------------------


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


@dataclass(frozen=True)
class InitCase:
    id: str
    args: tuple[str, ...]  # global options (--db) first, then "init", then the rest
    code: int
    says: tuple[str, ...]
    prepare: Callable[[Path], Path]  # makes the scene under tmp_path, returns the target


def _fresh(tmp: Path) -> Path:
    return tmp / "new" / "ws"


def _a_file(tmp: Path) -> Path:
    (tmp / "notes.txt").write_text("mine", encoding="utf-8")
    return tmp / "notes.txt"


def _unrelated(tmp: Path) -> Path:
    (tmp / "project").mkdir()
    (tmp / "project" / "train.py").write_text("print('hi')\n", encoding="utf-8")
    return tmp / "project"


def _workspace_of_ada(tmp: Path) -> Path:
    _cli("init", str(tmp / "ws"), "--admin", "ada")
    return tmp / "ws"


INIT_CASES = [
    InitCase("db-not-a-url", ("--db", "notaurl", "init"), EXIT_USAGE,
             ("notaurl", "not a database URL"), _fresh),
    InitCase("db-unreachable", ("--db", "sqlite:////nonexistent/folder/x.db", "init"),
             EXIT_ENVIRONMENT, ("cannot connect",), _fresh),
    InitCase("db-unsupported", ("--db", "mysql://u@h/db", "init"), EXIT_USAGE, ("not supported",),
             _fresh),
    InitCase("bad-admin-name", ("init", "--admin", "Not A Slug"), EXIT_USAGE, ("user name",),
             _fresh),
    InitCase("path-is-a-file", ("init",), EXIT_USAGE, ("notes.txt", "is a file"), _a_file),
    InitCase("unrelated-folder", ("init",), EXIT_FAILURE, ("train.py", "--force"), _unrelated),
    InitCase("read-only-place", ("init",), EXIT_ENVIRONMENT, ("/sys/ombud-ws", "cannot create"),
             lambda tmp: Path("/sys/ombud-ws")),
    InitCase("admin-on-existing", ("init", "--admin", "eve"), EXIT_FAILURE,
             ("'eve' is not one of its admins", "ombud user add eve"), _workspace_of_ada),
]  # fmt: skip


@pytest.mark.parametrize("case", INIT_CASES, ids=lambda case: case.id)
def test_a_failed_init_leaves_the_folder_as_it_was(
    case: InitCase, invoke: Invoke, tmp_path: Path
) -> None:
    target = case.prepare(tmp_path)
    before = _tree(tmp_path)
    split = case.args.index("init")
    result = invoke(*case.args[:split], "init", str(target), *case.args[split + 1 :])
    shown = result.out + result.err
    assert result.code == case.code, shown
    assert "Traceback" not in shown
    line = check_one_line(result.err)
    for text in case.says:
        assert text in line, line
    assert _tree(tmp_path) == before


def test_after_a_failed_init_a_good_init_works(invoke: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "ws"
    assert invoke("--db", "notaurl", "init", str(target)).code == EXIT_USAGE
    assert not target.exists()
    done = invoke("init", str(target), "--admin", "ada")
    assert done.code == 0, done.err
    assert invoke("-w", str(target), "audit-log", "verify").code == 0


def test_force_adds_a_workspace_to_a_folder_with_files(invoke: Invoke, tmp_path: Path) -> None:
    project = _unrelated(tmp_path)
    done = invoke("init", str(project), "--admin", "ada", "--force")
    assert done.code == 0, done.err
    assert (project / "train.py").read_text(encoding="utf-8") == "print('hi')\n"
    assert not list(project.glob(".ombud-init-*"))
    shown = json.loads(invoke("-w", str(project), "audit-log", "show", "--json").out)
    assert shown[0]["entity_id"] == str(project.resolve())  # not the staging folder
    again = invoke("init", str(project), "--admin", "ada")
    assert again.code == 0, again.err
    assert "already one of its admins" in again.out


# --- the error boundary itself -----------------------------------------------------------


def test_an_unexpected_error_is_one_line_exit_70_and_debug_shows_the_traceback(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ombud.services import systems

    template = _workspace_of_ada(tmp_path)

    def boom(*_: object, **__: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(systems, "list_systems", boom)
    result = invoke("-w", str(template), "system", "list")
    assert result.code == EXIT_INTERNAL
    line = check_one_line(result.err)
    assert line.startswith("internal error: KeyError: 'surprise'")
    assert "--debug" in line
    assert "Traceback" not in result.err
    debug = invoke("-w", str(template), "--debug", "system", "list")
    assert debug.code == EXIT_INTERNAL
    assert "Traceback" in debug.err
    assert debug.err.rstrip().splitlines()[-1].startswith("internal error:")
