"""``ombud monitor show``: the stored windows of a monitor, as they are or rolled up.

Read-only. Every number comes from the stored window summaries (never from rows): the
selection rate from the outputs Tally, the accuracy from the labelled one, both with a
Wilson interval, through the engine's one-pass ``performance_report``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from ombud.monitor import performance_report
from ombud.services.context import AppContext
from ombud.services.monitoring import DEFAULT_MONITOR, list_windows, rolled_up

__all__ = ["WindowSummary", "window_summaries"]


@dataclass(frozen=True)
class WindowSummary:
    """One window (or roll-up) as a line of ``monitor show``; NaN where nothing to measure."""

    start: dt.datetime
    end: dt.datetime
    rows: int
    labelled: int
    selection_rate: float
    accuracy: float
    accuracy_lower: float
    accuracy_upper: float
    digest: str
    amended: bool

    def to_dict(self) -> dict[str, Any]:
        def num(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "rows": self.rows,
            "labelled": self.labelled,
            "selection_rate": num(self.selection_rate),
            "accuracy": num(self.accuracy),
            "accuracy_lower": num(self.accuracy_lower),
            "accuracy_upper": num(self.accuracy_upper),
            "digest": self.digest,
            "amended": self.amended,
        }


def window_summaries(
    context: AppContext,
    system_id: str,
    name: str = DEFAULT_MONITOR,
    *,
    by: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> tuple[WindowSummary, ...]:
    """The windows with ``start <= period start < end``, per stored period or ``by`` week/month."""
    monitor, stored = list_windows(context, system_id, name, start=start, end=end)
    windows = rolled_up(stored, by)
    if not windows:
        return ()
    amended = {s.window.start for s in stored if s.amended_from is not None}
    table = performance_report(monitor.spec, windows, metrics=("selection_rate", "accuracy"))
    overall = table[table["attribute"] == ""]
    values: dict[tuple[dt.datetime, str], tuple[float, float, float]] = {
        (s, m): (float(v), float(lo), float(hi))
        for s, m, v, lo, hi in zip(
            overall["start"],
            overall["metric"],
            overall["value"],
            overall["lower"],
            overall["upper"],
            strict=True,
        )
    }
    nan = (math.nan, math.nan, math.nan)
    out = []
    for w in windows:
        accuracy = values.get((w.start, "accuracy"), nan)
        out.append(
            WindowSummary(
                start=w.start,
                end=w.end,
                rows=w.n_rows,
                labelled=w.n_labelled,
                selection_rate=values.get((w.start, "selection_rate"), nan)[0],
                accuracy=accuracy[0],
                accuracy_lower=accuracy[1],
                accuracy_upper=accuracy[2],
                digest=w.digest,
                amended=any(w.start <= a < w.end for a in amended),
            )
        )
    return tuple(out)
