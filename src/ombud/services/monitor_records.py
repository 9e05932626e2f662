"""The typed records of the monitoring services: a monitor, a stored window, an ingest.

Adapters read attributes; ``to_dict()`` gives the JSON the ``--format json`` outputs carry.
The engine's own values (``MonitorSpec``, ``Window``) are handed out as they are, so a
caller that wants a statistic computes it with ``ombud.monitor`` from the stored windows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ombud.monitor import MonitorSpec, Window

__all__ = ["IngestOutcome", "Monitor", "StoredWindow", "WindowChange"]


@dataclass(frozen=True)
class Monitor:
    """A monitor as recorded: its spec, and the reference it was fitted on (as one window)."""

    id: int
    system_id: str
    version: str
    name: str
    spec: MonitorSpec
    spec_digest: str
    reference: Window
    reference_name: str
    reference_sha256: str
    reference_rows: int
    created_by: str
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "system_id": self.system_id,
            "version": self.version,
            "name": self.name,
            "spec_digest": self.spec_digest,
            "period": self.spec.period,
            "columns": list(self.spec.columns),
            "reference": {
                "file": self.reference_name,
                "sha256": self.reference_sha256,
                "rows": self.reference_rows,
                "window_digest": self.reference.digest,
            },
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class StoredWindow:
    """One stored window: the engine's window and the record's bookkeeping around it."""

    window: Window
    digest: str
    batch_digests: tuple[str, ...]
    amended_from: str | None
    created_by: str
    created_at: dt.datetime
    amended_at: dt.datetime | None

    @property
    def key(self) -> str:
        return self.window.key

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.window.start.isoformat(),
            "end": self.window.end.isoformat(),
            "rows": self.window.n_rows,
            "labelled": self.window.n_labelled,
            "digest": self.digest,
            "rows_digest": self.window.rows_digest,
            "batches": len(self.batch_digests),
            "amended_from": self.amended_from,
        }


@dataclass(frozen=True)
class WindowChange:
    """What an ingest did to one period: ``stored`` (new), ``unchanged`` (the same rows
    were already counted) or ``amended`` (a late batch added, the old digest kept)."""

    start: dt.datetime
    action: str
    rows: int
    digest: str
    amended_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "action": self.action,
            "rows": self.rows,
            "digest": self.digest,
            "amended_from": self.amended_from,
        }


@dataclass(frozen=True)
class IngestOutcome:
    """One ingest: every period it touched, and the notes about the input (zone assumed,
    rows out of order), which are said once rather than raised as warnings."""

    system_id: str
    monitor: str
    source: str
    source_sha256: str
    rows: int
    changes: tuple[WindowChange, ...]
    notes: tuple[str, ...]

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id,
            "monitor": self.monitor,
            "source": self.source,
            "sha256": self.source_sha256,
            "rows": self.rows,
            "windows": [c.to_dict() for c in self.changes],
            "notes": list(self.notes),
        }
