"""A workspace on disk: its settings file, the embedded database, artifacts and the chain key.

Layout::

    DIR/ombud-workspace.toml   settings (database URL when it is not the embedded one)
    DIR/ombud.db               SQLite database (embedded default)
    DIR/artifacts/sha256/ab/…  content-addressed artifact store
    DIR/keys/audit-chain.key   HMAC key of the audit chain (never stored in the database)

What Ombud creates here is its owner's only: folders 0700, files 0600 (the settings may
name a database with its password; the database and artifacts hold the record).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "SETTINGS_FILE",
    "Workspace",
    "WorkspaceError",
    "create_workspace",
    "find_workspace",
    "open_workspace",
]

SETTINGS_FILE = "ombud-workspace.toml"
_FORMAT = 1


class WorkspaceError(RuntimeError):
    """No usable workspace where one was expected."""


@dataclass(frozen=True)
class Workspace:
    root: Path
    database_url: str

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    @property
    def key_path(self) -> Path:
        return self.root / "keys" / "audit-chain.key"

    def chain_key(self) -> bytes:
        try:
            return bytes.fromhex(self.key_path.read_text().strip())
        except FileNotFoundError:
            raise WorkspaceError(
                f"the audit-chain key {self.key_path} is missing; restore it from backup "
                "(without it the audit log cannot be verified or extended)"
            ) from None


def _default_url(root: Path) -> str:
    return f"sqlite:///{root / 'ombud.db'}"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def create_workspace(root: Path, database_url: str | None = None) -> Workspace:
    """Create the folder layout (idempotent: an existing workspace keeps its key)."""
    root = root.resolve()
    settings = root / SETTINGS_FILE
    if settings.exists():
        existing = open_workspace(root)
        if database_url and database_url != existing.database_url:
            raise WorkspaceError(
                f"{settings} already points at another database; edit database_url there "
                "or use a new folder"
            )
        workspace = existing
    else:
        if not root.exists():
            root.parent.mkdir(parents=True, exist_ok=True)
            root.mkdir(mode=0o700)
        lines = [
            "# Ombud workspace settings.",
            "[workspace]",
            f"format = {_FORMAT}",
            f"created_at = {_toml_string(datetime.now(UTC).isoformat(timespec='seconds'))}",
        ]
        if database_url:
            lines.append(f"database_url = {_toml_string(database_url)}")
        fd = os.open(settings, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        workspace = Workspace(root, database_url or _default_url(root))
    workspace.artifacts_dir.mkdir(mode=0o700, exist_ok=True)
    key_path = workspace.key_path
    if not key_path.exists():
        key_path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return workspace


def open_workspace(root: Path, database_url: str | None = None) -> Workspace:
    """Open the workspace at ``root``; ``database_url`` (e.g. from the environment) overrides."""
    settings = root / SETTINGS_FILE
    try:
        data = tomllib.loads(settings.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkspaceError(
            f"{root} is not an Ombud workspace (no {SETTINGS_FILE}); run `ombud init {root}`"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{settings}: {exc}; fix the file") from None
    section = data.get("workspace", {})
    if section.get("format", _FORMAT) > _FORMAT:
        raise WorkspaceError(f"{settings} was written by a newer Ombud; upgrade Ombud")
    url = database_url or section.get("database_url") or _default_url(root.resolve())
    return Workspace(root.resolve(), str(url))


def find_workspace(start: Path, env: Mapping[str, str]) -> Workspace:
    """``OMBUD_WORKSPACE`` if set, else the nearest folder upward holding a workspace."""
    override_url = env.get("OMBUD_DATABASE_URL") or None
    if env.get("OMBUD_WORKSPACE"):
        return open_workspace(Path(env["OMBUD_WORKSPACE"]), override_url)
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).exists():
            return open_workspace(folder, override_url)
    raise WorkspaceError(
        f"no Ombud workspace in {here} or any folder above it; run `ombud init DIR` "
        "or set OMBUD_WORKSPACE"
    )
