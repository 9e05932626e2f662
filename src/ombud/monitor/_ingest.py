"""Build windows from a prediction log frame, validating every column once, up front.

Rows are assigned to periods by their UTC timestamp; nothing depends on row order, so an
unsorted log gives the same windows as a sorted one (noted, not refused), and duplicate
timestamps are ordinary rows (two predictions in one instant). Labels may be missing on any row
(they arrive later); predictions and scores may not. Errors name the column and the row number
in the frame as given (0-based).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ombud.monitor._digest import row_lanes, window_digests
from ombud.monitor._errors import ColumnError
from ombud.monitor._features import Summary, summarise
from ombud.monitor._periods import Notes, period_end, period_start, to_utc
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._window import Window
from ombud.stats import ClassificationSpec, Tally, build_tally

_WINDOW = "__ombud_window__"
_LABEL = "__ombud_label__"
_PRED = "__ombud_prediction__"
_SCORE = "__ombud_score__"


@dataclass(frozen=True)
class Ingest:
    """The windows built from one frame (in time order) and the notes about the input."""

    windows: tuple[Window, ...]
    notes: tuple[str, ...]


def as_pandas(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True)
    if isinstance(source, pa.Table):
        table: pd.DataFrame = source.to_pandas()
        return table
    if type(source).__module__.startswith("polars"):
        frame: pd.DataFrame = source.to_pandas()
        return frame
    raise ColumnError(
        f"cannot monitor a {type(source).__name__}; pass a pandas/polars DataFrame or Arrow table"
    )


def _check_columns(frame: pd.DataFrame, spec: MonitorSpec) -> None:
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        kinds = dict.fromkeys(spec.feature_names, "feature")
        named = ", ".join(f"{c!r} ({kinds.get(c, 'column')})" for c in missing)
        shown = ", ".join(map(str, list(frame.columns)[:30]))
        raise ColumnError(f"prediction log lacks {named}; it has: {shown}")


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def binary(values: pd.Series, column: str, pos_label: Any, *, allow_missing: bool) -> np.ndarray:
    """0/1 floats (NaN where missing and allowed) for a label or prediction column."""
    present = values.notna().to_numpy()
    if not allow_missing and not present.all():
        row = _first_bad(~present)
        raise ColumnError(f"column {column!r}, row {row}: missing value; every row needs one")
    out = np.full(len(values), np.nan)
    if pos_label is not None:
        out[present] = (values[present] == pos_label).to_numpy(dtype=float)
        return out
    vals = values[present]
    if pd.api.types.is_bool_dtype(vals) or pd.api.types.is_numeric_dtype(vals):
        num = vals.to_numpy(dtype=float)
        bad = (num != 0.0) & (num != 1.0)
    else:
        num = np.zeros(len(vals))
        bad = np.ones(len(vals), dtype=bool)
    if bad.any():
        i = _first_bad(bad)
        row = int(np.flatnonzero(present)[i])
        raise ColumnError(
            f"column {column!r}, row {row}: {_show(vals.iloc[i])} is not 0/1; "
            "fit the monitor with pos_label=<positive value>"
        )
    out[present] = num
    return out


def scores(values: pd.Series, column: str) -> np.ndarray:
    """Scores as floats in [0, 1], or a one-line error naming the first bad row."""
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        parsed = (
            pd.to_numeric(values, errors="coerce")
            if not pd.api.types.is_bool_dtype(values)
            else pd.Series(np.nan, index=values.index)
        )
        bad = parsed.isna().to_numpy()
        if bad.any():
            row = _first_bad(bad)
            raise ColumnError(
                f"column {column!r}, row {row}: {_show(values.iloc[row])} is not a numeric score"
            )
        values = parsed
    s = values.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(s) | (s < 0.0) | (s > 1.0)
    if bad.any():
        row = _first_bad(bad)
        raise ColumnError(
            f"column {column!r}, row {row}: score {_show(s[row])} is missing or outside [0, 1]"
        )
    return s


def tally_spec_of(spec: MonitorSpec) -> ClassificationSpec:
    """The one Tally layout of a monitor's windows (ingest and late labels share it)."""
    return ClassificationSpec(
        label=_LABEL,
        prediction=_PRED if spec.prediction else None,
        score=_SCORE if spec.score else None,
        groups=spec.sensitive,
        window=_WINDOW,
        score_bins=spec.score_edges or 10,
    )


def canonical_order(score: np.ndarray, window: np.ndarray, n_windows: int) -> np.ndarray:
    """Row order (window, then score) in which the Tally sums its floats.

    Float sums depend on the order of addition: feeding the rows in this order makes a
    shuffled re-ingest serialise to the very same bytes, and lets a window's labelled Tally
    be rebuilt later (late labels) from a subset of its rows with bit-identical sums.
    """
    by_score = np.argsort(score, kind="stable")
    small = np.int16 if n_windows < 2**15 else np.int64  # radix sort for int16 keys
    return by_score[np.argsort(window[by_score].astype(small), kind="stable")]


def build_windows(source: Any, spec: MonitorSpec) -> Ingest:
    """One window per period present in ``source`` (a pandas/polars frame or Arrow table)."""
    frame = as_pandas(source)
    _check_columns(frame, spec)
    notes = Notes()
    if frame.empty:
        notes.add("the prediction log has no rows; no window was built")
        return Ingest(windows=(), notes=tuple(notes.lines))
    ts = to_utc(frame[spec.timestamp], spec.timestamp, notes)
    if not ts.is_monotonic_increasing:
        notes.add(f"rows were not in {spec.timestamp!r} order; windows do not depend on row order")
    starts = period_start(ts, spec.period)
    # int64 nanoseconds since the epoch (UTC): numpy sorts these fast, unlike Timestamp objects
    start_ns = starts.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)
    keys, window = np.unique(start_ns, return_inverse=True)
    window = window.astype(np.int64)
    n_windows = len(keys)
    cols: dict[str, Any] = {g: frame[g] for g in spec.sensitive}
    cols[_WINDOW] = window
    if spec.prediction:
        cols[_PRED] = binary(
            frame[spec.prediction], spec.prediction, spec.pos_label, allow_missing=False
        ).astype(np.int64)
    if spec.score:
        cols[_SCORE] = scores(frame[spec.score], spec.score)
    label = (
        binary(frame[spec.label], spec.label, spec.pos_label, allow_missing=True)
        if spec.label
        else np.full(len(frame), np.nan)
    )
    base = pd.DataFrame(cols)
    if spec.score:
        order = canonical_order(base[_SCORE].to_numpy(), window, n_windows)
        base = base.iloc[order]
        label = label[base.index.to_numpy()]
        base = base.reset_index(drop=True)
    tally_spec = tally_spec_of(spec)
    outputs = split_windows(build_tally(base.assign(**{_LABEL: 0}), tally_spec), n_windows)
    has_label = ~np.isnan(label)
    base_window = base[_WINDOW].to_numpy()
    labelled_rows = base[has_label].assign(**{_LABEL: label[has_label].astype(np.int64)})
    labelled = (
        split_windows(build_tally(labelled_rows, tally_spec), n_windows)
        if spec.label and has_label.any()
        else [None] * n_windows
    )
    n_labelled = np.bincount(base_window[has_label], minlength=n_windows)
    per_feature = [summarise(f, frame[f.name], window, n_windows) for f in spec.features]
    ts_ns = ts.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)
    others = [frame[c] for c in spec.columns if c != spec.timestamp]
    digests = window_digests(row_lanes(ts_ns, others), window, n_windows)
    n_rows = np.bincount(window, minlength=n_windows)
    out = []
    spec_digest = spec.digest
    for i, key in enumerate(keys):
        start = pd.Timestamp(int(key), unit="ns", tz="UTC")
        feats: tuple[Summary, ...] = tuple(pf[i] for pf in per_feature)
        out.append(
            Window(
                spec_digest=spec_digest,
                period=spec.period,
                start=start.to_pydatetime(),
                end=period_end(start, spec.period).to_pydatetime(),
                n_rows=int(n_rows[i]),
                n_labelled=int(n_labelled[i]),
                outputs=outputs[i],
                labelled=labelled[i],
                features=feats,
                rows_digest=digests[i],
            )
        )
    return Ingest(windows=tuple(out), notes=tuple(notes.lines))


def split_windows(tally: Tally, n_windows: int) -> list[Tally | None]:
    """One Tally per window index, without the window column (cells keep canonical order)."""
    cells = tally.cells
    win = cells[_WINDOW].to_numpy()
    order = np.argsort(win, kind="stable")
    bounds = np.searchsorted(win[order], np.arange(n_windows + 1))
    rest = cells.drop_columns([_WINDOW])
    out: list[Tally | None] = []
    for i in range(n_windows):
        idx = order[bounds[i] : bounds[i + 1]]
        if idx.size == 0:
            out.append(None)
            continue
        part = rest.take(pa.array(idx)).combine_chunks()
        out.append(
            replace(
                tally,
                cells=part,
                window_column=None,
                dropped_rows=0,
                dropped_weight=0.0,
                provenance={"source": "ombud.monitor"},
            )
        )
    return out
