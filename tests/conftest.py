"""Shared fixtures: a workspace on SQLite and on the real PostgreSQL server.

Each PostgreSQL test gets its own schema (search_path set in the URL), dropped after
the test, so tests never see each other's rows and can run in parallel.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import psycopg
import pytest

from ombud.services.context import AppContext, open_context
from ombud.services.workspaces import init_workspace
from ombud.store import Workspace, open_workspace

PG_URL = os.environ.get("OMBUD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_conninfo() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, as a database URL; dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        with psycopg.connect(_pg_conninfo(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:  # pragma: no cover - CI always has PostgreSQL
        pytest.fail(f"PostgreSQL at {PG_URL} is required for postgres tests: {exc}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Parametrizes a test over the embedded SQLite default and the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ombud.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Workspace:
    ws, _, _ = init_workspace(
        tmp_path / "ws", database_url=database_url, admin="ada", os_user="ada-os"
    )
    return ws


@pytest.fixture
def context(workspace: Workspace) -> Iterator[AppContext]:
    ctx = open_context(workspace)
    yield ctx
    ctx.close()


# Golden (snapshot) files. The golden is the oracle only if it was written by a person who read
# it, so: the update switch is refused where nobody reads (CI), an update run never compares a
# file with the text it has just written (it skips, naming what to review), and a missing golden
# fails with the command that creates it instead of being written into the tree.
UPDATE_GOLDEN = "OMBUD_UPDATE_GOLDEN"
_CI_OFF = {"", "0", "false", "no"}


def in_ci() -> bool:
    """CI services set CI (GitHub Actions and GitLab: "true"); "0"/"false" count as unset."""
    return os.environ.get("CI", "").strip().lower() not in _CI_OFF


def compare_golden(files: Mapping[Path, str], nodeid: str) -> None:
    """Assert each text equals its golden file, or (OMBUD_UPDATE_GOLDEN=1) rewrite them and skip.

    One call takes all the files of a test, so an update run rewrites every one before skipping.
    """
    if os.environ.get(UPDATE_GOLDEN) == "1":
        if in_ci():
            pytest.fail(
                f"{UPDATE_GOLDEN}=1 is refused when CI is set: goldens are rewritten on a "
                "developer's machine and the diff is reviewed before committing"
            )
        states = []
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            old = path.read_text(encoding="utf-8") if path.exists() else None
            path.write_text(text, encoding="utf-8")
            state = "unchanged" if old == text else ("created" if old is None else "rewritten")
            states.append(f"{path.name} {state}")
        pytest.skip(
            f"golden {', '.join(states)}: review `git diff`, then run again without {UPDATE_GOLDEN}"
        )
    for path, text in files.items():
        if not path.exists():
            pytest.fail(
                f"no golden file {path}; create it with `{UPDATE_GOLDEN}=1 pytest '{nodeid}'`, "
                "read it, then commit it"
            )
        assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from its golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[Mapping[Path, str]], None]:
    """compare_golden bound to the requesting test (its node id names the update command)."""
    nodeid: str = request.node.nodeid

    def check(files: Mapping[Path, str]) -> None:
        compare_golden(files, nodeid)

    return check


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppContext, Path]]:
    """The demo portfolio built once per session without the red team (no local LLM): the
    document goldens and the independent oracles of its numbers both read it."""
    from ombud.demo import run_demo

    root = tmp_path_factory.mktemp("demo-session") / "ws"
    run_demo(root, fresh=True, os_user="tester", redteam=False)
    opened = open_context(open_workspace(root))
    try:
        yield opened, root
    finally:
        opened.close()
