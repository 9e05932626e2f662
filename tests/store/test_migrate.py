"""Schema migrations: idempotent, and a schema newer than the code is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace, upgrade_workspace
from ombud.store import SchemaError, Workspace, head_revision, make_engine
from ombud.store.migrate import current_revision


def test_init_and_upgrade_are_idempotent(workspace: Workspace, tmp_path: Path) -> None:
    assert upgrade_workspace(workspace) == head_revision()
    assert upgrade_workspace(workspace) == head_revision()
    again, revision, created = init_workspace(
        workspace.root, database_url=None, admin="ada", os_user="ada-os"
    )
    assert (revision, created) == (head_revision(), False)
    assert again.key_path.read_bytes() == workspace.key_path.read_bytes()


def test_schema_newer_than_the_code_is_refused(workspace: Workspace) -> None:
    engine = make_engine(workspace.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(SchemaError, match="newer than this Ombud"):
        open_context(workspace)
    with pytest.raises(SchemaError, match="newer than this Ombud"):
        upgrade_workspace(workspace)


def test_database_without_schema_is_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    engine = make_engine(ws.database_url)
    assert current_revision(engine) is None
    engine.dispose()
    with pytest.raises(SchemaError, match="ombud init"):
        open_context(ws)
