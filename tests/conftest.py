"""Shared fixtures: a workspace on SQLite and on the real PostgreSQL server.

Each PostgreSQL test gets its own schema (search_path set in the URL), dropped after
the test, so tests never see each other's rows and can run in parallel.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ombud.services.context import AppContext, open_context
from ombud.services.workspaces import init_workspace
from ombud.store import Workspace

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
