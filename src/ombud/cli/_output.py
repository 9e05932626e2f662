"""Output files of commands (``-o/--output``): checked before any work, written atomically.

An audit that runs for minutes must not fail at the end because its report folder is
missing, and a reader (a CI job, a browser) must never see half a report: the folder is
checked up front, and the file is written to a temporary name in the same folder and
renamed over the target only once it is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ombud.cli._errors import OutputError

__all__ = ["check_output", "open_output", "write_output"]


def check_output(path: Path | None, flag: str = "-o") -> None:
    """Refuse, before any work, an output the command could not write at the end."""
    if path is None:
        return
    if path.is_dir():
        raise OutputError(f"{flag} {path}: is a folder; give a file name inside it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            f"{flag} {path}: the folder {folder} does not exist; create it or choose another path"
        )
    try:  # a real probe: permission bits say nothing for root or a read-only mount
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError(
            f"{flag} {path}: cannot write in the folder {folder} ({reason}); choose another path"
        ) from None
    os.close(fd)
    os.unlink(probe)


@contextmanager
def _temporary(path: Path) -> Iterator[tuple[int, Path]]:
    check_output(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError(f"cannot write {path} ({reason}); choose another path") from None
    tmp = Path(name)
    try:
        yield fd, tmp
        os.chmod(tmp, 0o644 & ~_umask())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_output(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` atomically (UTF-8 for text)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with _temporary(path) as (fd, _tmp), os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def open_output(path: Path) -> Iterator[TextIO]:
    """A text handle whose content replaces ``path`` only when the block succeeds."""
    with _temporary(path) as (fd, _tmp), os.fdopen(fd, "w", encoding="utf-8") as h:
        yield h
        h.flush()
        os.fsync(h.fileno())
