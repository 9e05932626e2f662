"""Time handling: read timestamps as UTC instants and find each row's period start.

A window is keyed by the UTC start of its period, so a day is [00:00, 24:00) UTC, a week starts
on Monday 00:00 UTC (ISO weeks) and a month on its first day. Monitoring across daylight-saving
changes in local time would make some days 23 or 25 hours long; UTC keeps every day alike and the
keys stable whatever machine runs the ingest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ombud.monitor._errors import MonitorError, TimestampError

Period = Literal["hour", "day", "week", "month"]
PERIODS: tuple[Period, ...] = ("hour", "day", "week", "month")


@dataclass
class Notes:
    """Documented adjustments made to the input (the engine's warnings, as data).

    Kept as a list of one-line strings rather than ``warnings.warn`` so a caller can store them
    beside the window and show them once, and so a test suite with warnings-as-errors still runs.
    """

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        if line not in self.lines:
            self.lines.append(line)


def check_period(period: str) -> Period:
    for p in PERIODS:
        if p == period:
            return p
    raise MonitorError(f"unknown period {period!r}; use one of {list(PERIODS)}")


def to_utc(values: Any, column: str, notes: Notes) -> pd.Series:
    """Parse a timestamp column to tz-aware UTC; naive values are taken as UTC (noted once)."""
    series = pd.Series(values).reset_index(drop=True)
    if series.isna().any():
        row = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise TimestampError(
            f"column {column!r}, row {row}: missing timestamp; every prediction needs a time"
        )
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        raise TimestampError(
            f"column {column!r}: numbers are not timestamps; convert epoch values with "
            "pandas.to_datetime(values, unit='s') first"
        )
    if not isinstance(series.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(
        series
    ):
        try:
            parsed = pd.to_datetime(series, errors="coerce", format="mixed")
        except ValueError:  # offsets differ between rows: only a common zone can hold them
            parsed = pd.to_datetime(series, errors="coerce", format="mixed", utc=True)
            notes.add(
                f"timestamps in {column!r} mix time zones; converted to UTC "
                "(any without a zone taken as UTC)"
            )
        bad = parsed.isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise TimestampError(
                f"column {column!r}, row {row}: {series.iloc[row]!r} is not a timestamp; "
                "use ISO 8601 (2024-05-01T12:00:00Z)"
            )
        series = parsed
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").dt.as_unit("ns")
    notes.add(f"timestamps in {column!r} have no time zone; they were taken as UTC")
    return series.dt.tz_localize("UTC").dt.as_unit("ns")


def period_start(ts: pd.Series, period: Period) -> pd.Series:
    """The UTC start of each timestamp's period (tz-aware, ns)."""
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    if period == "hour":
        start = naive.dt.floor("h")
    elif period == "day":
        start = naive.dt.floor("D")
    elif period == "week":
        day = naive.dt.floor("D")
        start = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    else:
        start = naive.dt.to_period("M").dt.to_timestamp()
    out: pd.Series = start.dt.tz_localize("UTC").dt.as_unit("ns")
    return out


def period_end(start: pd.Timestamp, period: Period) -> pd.Timestamp:
    """The exclusive end of the period that starts at ``start``."""
    offsets = {
        "hour": pd.Timedelta(hours=1),
        "day": pd.Timedelta(days=1),
        "week": pd.Timedelta(days=7),
    }
    if period == "month":
        return start + pd.offsets.MonthBegin(1)
    return start + offsets[period]
