"""What Ombud writes in a workspace is its owner's only (issue #19, item 5).

The oracle is the file system: with a permissive umask (022, the common default, under
which ombud.db used to be created 0644), every folder Ombud creates is 0700 and every
file 0600, the database's WAL files included.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace
from ombud.store import SETTINGS_FILE
from ombud.web.settings import workspace_secret


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_workspace_is_private(tmp_path: Path, umask_022: None) -> None:
    root = tmp_path / "new" / "ws"
    workspace, _, _ = init_workspace(root, database_url=None, admin="ada", os_user="ada-os")
    context = open_context(workspace)
    try:
        sha = context.artifacts.put(b"evidence")
        artifact = context.artifacts.path_for(sha)
    finally:
        context.close()
    workspace_secret(root)
    database = root / "ombud.db"
    folders = [root, root / "keys", root / "artifacts", artifact.parent, artifact.parent.parent]
    files = [database, root / SETTINGS_FILE, workspace.key_path, artifact, root / "web-secret.key"]
    files += [p for p in (root / "ombud.db-wal", root / "ombud.db-shm") if p.exists()]
    assert {str(p): oct(_mode(p)) for p in folders} == {str(p): "0o700" for p in folders}
    assert {str(p): oct(_mode(p)) for p in files} == {str(p): "0o600" for p in files}


def test_a_database_elsewhere_is_created_private_too(tmp_path: Path, umask_022: None) -> None:
    database = tmp_path / "shared" / "ombud.db"
    database.parent.mkdir()
    init_workspace(
        tmp_path / "ws", database_url=f"sqlite:///{database}", admin="ada", os_user="ada-os"
    )
    assert oct(_mode(database)) == "0o600"


def test_an_existing_folder_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    root = tmp_path / "mine"
    root.mkdir(mode=0o750)
    init_workspace(root, database_url=None, admin="ada", os_user="ada-os")
    assert oct(_mode(root)) == "0o750"
