"""The typed records of the monitoring services: a monitor, a stored window, an ingest.

Adapters read attributes; ``to_dict()`` gives the JSON the ``--format json`` outputs carry.
The engine's own values (``MonitorSpec``, ``Window``) are handed out as they are, so a
caller that wants a statistic computes it with ``ombud.monitor`` from the stored windows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from ombud.governance import InvalidInput
from ombud.monitor import MonitorSpec, Window
from ombud.records import InputRef

__all__ = [
    "Breach",
    "DriftRow",
    "GapRow",
    "IngestOutcome",
    "LabelOutcome",
    "Monitor",
    "MonitorCheck",
    "MonitorSettings",
    "PerformanceRow",
    "StoredWindow",
    "WindowChange",
]


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


@dataclass(frozen=True)
class LabelOutcome:
    """One labels file joined by record id: how many labels were new, already recorded or
    for ids the monitor never saw, and every window whose labelled Tally was rebuilt."""

    system_id: str
    monitor: str
    source: str
    source_sha256: str
    rows: int
    labelled: int
    unchanged: int
    unknown: int
    unknown_examples: tuple[str, ...]
    changes: tuple[WindowChange, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id,
            "monitor": self.monitor,
            "source": self.source,
            "sha256": self.source_sha256,
            "rows": self.rows,
            "labelled": self.labelled,
            "unchanged": self.unchanged,
            "unknown": self.unknown,
            "unknown_examples": list(self.unknown_examples),
            "windows": [c.to_dict() for c in self.changes],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class MonitorSettings:
    """The thresholds of a check, with their defaults and why (docs/monitoring.md)."""

    #: The recent range: this many latest stored windows, merged.
    recent_windows: int = 7
    #: PSI at or above this is a shift worth acting on (the common 0.2 "major shift" cut).
    psi_threshold: float = 0.2
    #: False discovery rate of the BH step over features and over gap streams.
    fdr: float = 0.05
    #: Fewer rows than this in the recent range: drift and performance are insufficient.
    min_rows: int = 100
    #: Accuracy may fall this far below the reference before the interval must exclude it.
    accuracy_drop: float = 0.05
    confidence: float = 0.95
    #: Gap detection: metrics, tolerated band margin, error rate, horizon, minimum counts.
    gap_metrics: tuple[str, ...] = ("selection_rate",)
    gap_margin: float = 0.02
    gap_alpha: float = 0.05
    gap_horizon: int = 365
    gap_min_count: int = 30
    #: Hourly or daily windows are rolled up to this before the gap detector looks.
    gap_period: str = "week"
    #: Days until a finding opened by a breach is due.
    due_days: int = 30
    #: Hysteresis: a rule opens a finding only once it failed in this many consecutive
    #: recorded runs of the monitor (a standing finding is updated on every breach).
    raise_after: int = 1

    def __post_init__(self) -> None:
        if min(self.recent_windows, self.due_days, self.raise_after) < 1 or self.min_rows < 0:
            raise InvalidInput(
                "recent_windows, due_days and raise_after must be at least 1, min_rows >= 0"
            )
        if not (0 < self.fdr < 1 and 0 < self.gap_alpha < 1 and 0 < self.confidence < 1):
            raise InvalidInput("fdr, gap_alpha and confidence must lie strictly between 0 and 1")
        if self.gap_period not in ("day", "week", "month"):
            raise InvalidInput(f"gap_period {self.gap_period!r}: use day, week or month")


@dataclass(frozen=True)
class DriftRow:
    feature: str  # a feature name, or "score" for the model's score histogram
    psi: float
    pvalue: float
    adjusted: float | None  # BH-adjusted p-value, None when not significant at fdr
    breach: bool


@dataclass(frozen=True)
class PerformanceRow:
    metric: str
    kind: str  # "measured" or the estimate's label
    value: float
    lower: float
    upper: float
    reference: float
    breach: bool


@dataclass(frozen=True)
class GapRow:
    attribute: str
    group: str
    metric: str
    band: tuple[float, float]
    looks: int
    latest: float  # the gap in the latest window where both groups had rows
    pvalue: float
    alarm_at: dt.datetime | None
    breach: bool


@dataclass(frozen=True)
class Breach:
    rule: str
    title: str
    severity: str
    description: str


@dataclass(frozen=True)
class MonitorCheck:
    """What one check found, rule by rule; ``verdicts`` says pass/fail/insufficient."""

    system_id: str
    monitor: str
    version: str
    spec_digest: str
    windows: int
    rows: int
    recent_start: dt.datetime | None
    recent_end: dt.datetime | None
    recent_rows: int
    drift: tuple[DriftRow, ...]
    performance: tuple[PerformanceRow, ...]
    gaps: tuple[GapRow, ...]
    verdicts: dict[str, str]
    breaches: tuple[Breach, ...]
    inputs: tuple[InputRef, ...] = field(repr=False, default=())
    settings: MonitorSettings = field(default_factory=MonitorSettings)

    @property
    def breached(self) -> bool:
        return bool(self.breaches)

    def to_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, dt.datetime):
                return value.isoformat()
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        out: dict[str, Any] = plain(
            {
                "system_id": self.system_id,
                "monitor": self.monitor,
                "version": self.version,
                "spec_digest": self.spec_digest,
                "windows": self.windows,
                "rows": self.rows,
                "recent": {
                    "start": self.recent_start,
                    "end": self.recent_end,
                    "rows": self.recent_rows,
                },
                "verdicts": dict(self.verdicts),
                "breaches": [asdict(b) for b in self.breaches],
                "drift": [asdict(r) for r in self.drift],
                "performance": [asdict(r) for r in self.performance],
                "gaps": [asdict(r) for r in self.gaps],
                "settings": asdict(self.settings),
            }
        )
        return out
