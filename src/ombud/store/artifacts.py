"""Content-addressed artifact store: large files live in a folder, the database keeps hashes.

Writes go to a temporary file and are renamed into place, so a crash never leaves a
half-written artifact under a valid name. Folders are created 0700 and files 0600
(``mkstemp``'s mode): artifacts hold the record's evidence, for the owner only.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["ArtifactStore"]


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256[2:]

    def put(self, content: bytes) -> str:
        sha = hashlib.sha256(content).hexdigest()
        target = self.path_for(sha)
        if target.exists():
            return sha
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        for folder in (self.root / "sha256", target.parent):
            folder.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        data = self.path_for(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"artifact {sha256} is corrupted on disk (hash mismatch)")
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()
