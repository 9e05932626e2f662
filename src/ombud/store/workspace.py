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
import shutil
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "SETTINGS_FILE",
    "AuditSettings",
    "Workspace",
    "WorkspaceError",
    "create_workspace",
    "find_workspace",
    "open_workspace",
    "staged_workspace",
]

SETTINGS_FILE = "ombud-workspace.toml"
_FORMAT = 1


class WorkspaceError(RuntimeError):
    """No usable workspace where one was expected."""


@dataclass(frozen=True)
class AuditSettings:
    """The ``[audit]`` table: where the signed checkpoints of the chain come from and go.

    Paths only: the keys themselves never enter the settings file or the database.
    """

    checkpoint_key: Path | None = None
    checkpoint_public_key: Path | None = None
    checkpoint_dir: Path | None = None
    checkpoint_after_gate: bool = False


@dataclass(frozen=True)
class Workspace:
    root: Path
    database_url: str
    audit: AuditSettings = AuditSettings()

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


def _write_settings(root: Path, database_url: str | None) -> None:
    lines = [
        "# Ombud workspace settings.",
        "[workspace]",
        f"format = {_FORMAT}",
        f"created_at = {_toml_string(datetime.now(UTC).isoformat(timespec='seconds'))}",
    ]
    if database_url:
        lines.append(f"database_url = {_toml_string(database_url)}")
    fd = os.open(root / SETTINGS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def create_workspace(root: Path, database_url: str | None = None) -> Workspace:
    """Create the folder layout (idempotent: an existing workspace keeps its key).

    This writes in place; a new workspace should be built with ``staged_workspace``
    so that a failure half-way leaves nothing behind.
    """
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
        _write_settings(root, database_url)
        workspace = Workspace(root, database_url or _default_url(root))
    workspace.artifacts_dir.mkdir(mode=0o700, exist_ok=True)
    key_path = workspace.key_path
    if not key_path.exists():
        key_path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return workspace


#: What a new workspace puts in its folder (the SQLite files only with the embedded default).
WORKSPACE_ENTRIES = (SETTINGS_FILE, "ombud.db", "ombud.db-wal", "ombud.db-shm", "artifacts", "keys")


@contextmanager
def staged_workspace(root: Path, database_url: str | None = None) -> Iterator[Workspace]:
    """Build a new workspace in a temporary folder; move it to ``root`` only on success.

    The block receives the staged workspace (its embedded database lives in the staging
    folder too). If the block raises, the staging folder and any parent folders made for
    it are removed, so a failed ``init`` leaves the disk as it was. ``root`` must not
    hold a settings file or any of ``WORKSPACE_ENTRIES``; callers check emptiness.
    """
    root = root.absolute()
    made: list[Path] = []
    try:
        for folder in reversed((root, *root.parents)):
            if not folder.exists():
                folder.mkdir(mode=0o700 if folder == root else 0o777)  # private workspace
                made.append(folder)
        staging = Path(tempfile.mkdtemp(prefix=".ombud-init-", dir=root))
    except BaseException:
        _remove_made(made)
        raise
    moved: list[Path] = []
    try:
        workspace = create_workspace(staging, database_url)
        yield workspace
        # The settings file goes last: only then is the folder a workspace.
        for name in (*WORKSPACE_ENTRIES[1:], SETTINGS_FILE):
            if (staging / name).exists():
                (staging / name).replace(root / name)
                moved.append(root / name)
        staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for path in moved:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        _remove_made(made)
        raise


def _remove_made(made: list[Path]) -> None:
    for folder in reversed(made):
        shutil.rmtree(folder, ignore_errors=True)


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
    return Workspace(root.resolve(), str(url), _audit_settings(data.get("audit", {}), settings))


def _audit_settings(section: object, settings: Path) -> AuditSettings:
    if not isinstance(section, dict):
        raise WorkspaceError(f"{settings}: [audit] must be a table; fix the file")
    names = ("checkpoint_key", "checkpoint_public_key", "checkpoint_dir")

    def path_of(name: str) -> Path | None:
        value = section.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise WorkspaceError(
                f"{settings}: [audit] {name} must be a path in quotes; fix the file"
            )
        path = Path(value).expanduser()
        return path if path.is_absolute() else (settings.parent / path).resolve()

    paths = {name: path_of(name) for name in names}
    after_gate = section.get("checkpoint_after_gate", False)
    if not isinstance(after_gate, bool):
        raise WorkspaceError(
            f"{settings}: [audit] checkpoint_after_gate must be true or false; fix the file"
        )
    unknown = sorted(set(section) - {*paths, "checkpoint_after_gate"})
    if unknown:
        raise WorkspaceError(
            f"{settings}: [audit] has unknown key '{unknown[0]}'; known: "
            "checkpoint_key, checkpoint_public_key, checkpoint_dir, checkpoint_after_gate"
        )
    return AuditSettings(
        checkpoint_key=paths["checkpoint_key"],
        checkpoint_public_key=paths["checkpoint_public_key"],
        checkpoint_dir=paths["checkpoint_dir"],
        checkpoint_after_gate=after_gate,
    )


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
