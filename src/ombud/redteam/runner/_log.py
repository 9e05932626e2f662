"""The append-only JSON Lines log that makes a run survive ``kill -9``.

Durability guarantee: every finished attempt is written with one ``write`` call and
flushed to the operating system before the next one is accepted, so killing the
process loses nothing that was logged. ``fsync`` (which only matters if the machine
itself loses power) runs at most every ``fsync_interval`` seconds and at close,
because an fsync per line would cap a run at the disk's sync rate; it runs on a
helper thread so the event loop never waits for the disk. A line torn by a
crash mid-write is dropped on reading and its attempt is simply run again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from ombud.redteam.core import (
    Attempt,
    AttemptStatus,
    PromptSetError,
    attempt_from_dict,
    attempt_to_dict,
)

__all__ = ["RunLog", "finished_ids", "latest_attempts", "read_log"]


class RunLog:
    def __init__(self, path: Path, *, fsync_interval: float = 0.2) -> None:
        self.path = path
        _drop_torn_tail(path)
        self._handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._fsync_interval = fsync_interval
        self._last_sync = time.monotonic()
        self._syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ombud-fsync")
        self._pending: Future[None] | None = None

    def append(self, attempt: Attempt) -> None:
        line = json.dumps(attempt_to_dict(attempt), ensure_ascii=False) + "\n"
        self._handle.write(line)
        self._handle.flush()
        now = time.monotonic()
        idle = self._pending is None or self._pending.done()
        if idle and now - self._last_sync >= self._fsync_interval:
            self._pending = self._syncer.submit(os.fsync, self._handle.fileno())
            self._last_sync = now

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.flush()
            self._syncer.shutdown(wait=True)
            os.fsync(self._handle.fileno())
            self._handle.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _drop_torn_tail(path: Path) -> None:
    """Cut a last line that has no newline (a write interrupted by a crash)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as handle:
        data = handle.read()
        if data.endswith(b"\n"):
            return
        handle.truncate(data.rfind(b"\n") + 1)


def _lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            yield number, line, line.endswith("\n")


def read_log(path: Path) -> list[Attempt]:
    """All records in order; a torn final line is skipped, any other bad line is an error."""
    if not path.is_file():
        raise PromptSetError(
            f"{path} does not exist; is {path.parent} a red-team run folder "
            "(from `ombud redteam run` or `import`)?"
        )
    attempts: list[Attempt] = []
    for number, line, complete in _lines(path):
        if not line.strip():
            continue
        try:
            attempts.append(attempt_from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            if not complete:
                break
            raise PromptSetError(
                f"{path}:{number}: not an attempt record ({exc}); the log was edited or "
                "belongs to another tool (use `ombud redteam import` for garak/promptfoo)"
            ) from exc
    return attempts


def latest_attempts(attempts: list[Attempt]) -> list[Attempt]:
    """Last record per attempt id, in first-seen order (a retried error is superseded)."""
    latest: dict[str, Attempt] = {}
    for attempt in attempts:
        latest[attempt.attempt_id] = attempt
    return list(latest.values())


def finished_ids(path: Path) -> set[str]:
    """Ids with a response; errored attempts are not finished and run again on resume."""
    if not path.exists():
        return set()
    return {a.attempt_id for a in latest_attempts(read_log(path)) if a.status is AttemptStatus.DONE}
