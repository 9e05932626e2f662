"""Late labels: outcomes that arrive weeks after the predictions, joined by a record id.

A monitor whose spec names an id column (``record_id``) keeps, per ingested row, what its
labelled Tally cell needs: the window it fell in, its sensitive values, prediction and score,
and its label once known (:func:`record_index`). A labels file (:func:`read_labels`) then says
which records got which outcome, and each affected window's labelled Tally is rebuilt from the
labelled records of that window (:func:`label_window`), in the canonical row order the ingest
uses, so a window amended with late labels is *bit-identical* to one built from rows that
carried the same labels from the start (the float sums included: they are added in the same
order). Rebuilding instead of adding a delta Tally is what makes that hold: a delta would be
equal in counts but could differ in the last bit of a float sum.

No database is involved; storage keeps the index and decides which labels are new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ombud.monitor._errors import ColumnError, MonitorError
from ombud.monitor._ingest import (
    _LABEL,
    _PRED,
    _SCORE,
    _WINDOW,
    as_pandas,
    binary,
    canonical_order,
    scores,
    split_windows,
    tally_spec_of,
)
from ombud.monitor._periods import Notes, period_start, to_utc
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._window import Window
from ombud.stats import Tally, build_tally

__all__ = ["RECORD_COLUMNS", "label_window", "read_labels", "record_ids", "record_index"]

#: Columns of a record index (``cell``: the sensitive values as a tuple).
RECORD_COLUMNS = ("record_id", "row", "start", "prediction", "score", "label", "value", "cell")


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _label_value(value: Any) -> Any:
    """A label as recorded: NaN-free, whole floats as ints (a CSV column with gaps reads
    ``1`` as ``1.0``; it is the same label)."""
    value = _plain(value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def record_ids(values: pd.Series, column: str, where: str) -> list[str]:
    """Ids as text (``7`` and ``7.0`` are one id), or a one-line error naming the row."""
    present = values.notna().to_numpy()
    if not present.all():
        row = int(np.flatnonzero(~present)[0])
        raise ColumnError(f"{where}: column {column!r}, row {row}: missing id; every row needs one")
    out: list[str] = []
    for raw in values.tolist():
        value = _plain(raw)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out.append(str(value).strip())
    seen: dict[str, int] = {}
    for row, key in enumerate(out):
        if key in seen:
            raise ColumnError(
                f"{where}: id {key!r} appears in rows {seen[key]} and {row} of column "
                f"{column!r}; each record is counted once, drop the duplicate"
            )
        seen[key] = row
    return out


def _require_id(spec: MonitorSpec) -> str:
    if spec.record_id is None or spec.label is None:
        raise MonitorError(
            "this monitor has no id column, so labels cannot be joined later; set one up "
            "with record_id= (`ombud monitor init ... --id COL --label COL`)"
        )
    return spec.record_id


def record_index(source: Any, spec: MonitorSpec) -> pd.DataFrame:
    """One row per prediction: id, row number, window start and what its Tally cell needs.

    ``label`` is 0/1 (NaN while unknown), ``value`` the label as given (None while
    unknown) and ``cell`` the tuple of the row's sensitive values (in ``spec.sensitive``
    order; a tuple, so an attribute may be called anything, ``row`` or ``label`` included).
    """
    column = _require_id(spec)
    frame = as_pandas(source)
    if column not in frame.columns:
        shown = ", ".join(map(str, list(frame.columns)[:30]))
        raise ColumnError(f"prediction log lacks the id column {column!r}; it has: {shown}")
    ids = record_ids(frame[column], column, "prediction log")
    ts = to_utc(frame[spec.timestamp], spec.timestamp, Notes())
    label_col = frame[spec.label] if spec.label in frame.columns else pd.Series(np.nan, frame.index)
    label = binary(label_col, str(spec.label), spec.pos_label, allow_missing=True)
    if spec.label_values is not None:
        _check_values(label_col, str(spec.label), spec, "prediction log")
    out: dict[str, Any] = {
        "record_id": ids,
        "row": np.arange(len(frame)),
        "start": period_start(ts, spec.period),
        "prediction": (
            binary(frame[spec.prediction], spec.prediction, spec.pos_label, allow_missing=False)
            if spec.prediction
            else np.full(len(frame), np.nan)
        ),
        "score": scores(frame[spec.score], spec.score) if spec.score else np.nan,
        "label": label,
        "value": [_label_value(v) for v in label_col.tolist()],
    }
    groups = [frame[g].tolist() for g in spec.sensitive]
    out["cell"] = (
        [
            tuple(None if pd.isna(v) else _plain(v) for v in values)
            for values in zip(*groups, strict=True)
        ]
        if groups
        else [()] * len(frame)
    )
    return pd.DataFrame(out)


def _check_values(values: pd.Series, column: str, spec: MonitorSpec, where: str) -> None:
    allowed = spec.label_values or ()
    for row, raw in enumerate(values.tolist()):
        if pd.isna(raw):
            continue
        if _plain(raw) not in allowed:
            shown = ", ".join(repr(v) for v in allowed)
            raise ColumnError(
                f"{where}: column {column!r}, row {row}: label {_label_value(raw)!r} is not "
                f"one of the monitor's labels ({shown})"
            )


def read_labels(
    source: Any,
    spec: MonitorSpec,
    *,
    id_column: str | None = None,
    label_column: str | None = None,
    where: str = "labels file",
) -> pd.DataFrame:
    """A labels file as ``record_id``, ``row``, ``label`` (0/1) and ``value`` (as given).

    Refused with one line: a missing id or label column, a missing id or label, an id given
    twice, a label outside the monitor's label set (the reference's labels, or 0/1).
    """
    id_col = id_column or _require_id(spec)
    _require_id(spec)
    label_col = label_column or str(spec.label)
    frame = as_pandas(source)
    missing = [f"{c!r} ({role})" for c, role in ((id_col, "id"), (label_col, "label"))]
    absent = [m for m, c in zip(missing, (id_col, label_col), strict=True) if c not in frame]
    if absent:
        shown = ", ".join(map(str, list(frame.columns)[:30]))
        raise ColumnError(
            f"{where} lacks column {', '.join(absent)}; it has: {shown} "
            "(name them with --id COL / --label COL)"
        )
    ids = record_ids(frame[id_col], id_col, where)
    values = frame[label_col]
    if spec.label_values is not None:
        _check_values(values, label_col, spec, where)
    try:
        label = binary(values, label_col, spec.pos_label, allow_missing=False)
    except ColumnError as exc:
        raise ColumnError(f"{where}: {exc}") from None
    return pd.DataFrame(
        {
            "record_id": ids,
            "row": np.arange(len(frame)),
            "label": label.astype(np.int64),
            "value": [_label_value(v) for v in values.tolist()],
        }
    )


def label_window(window: Window, labelled: pd.DataFrame, spec: MonitorSpec) -> Window:
    """``window`` with its labelled Tally rebuilt from ALL its labelled records.

    ``labelled`` holds, for every record of the window whose label is known (those labelled
    at ingest and those labelled late), ``cell`` (the sensitive values), ``prediction``,
    ``score`` and ``label`` (0/1). Everything else of the window (outputs, features, row
    digest) stays.
    """
    n = len(labelled)
    if n == 0:
        return replace(window, labelled=None, n_labelled=0)
    tally_spec = tally_spec_of(spec)
    cells = labelled["cell"].tolist()
    cols: dict[str, Any] = {g: _column([c[i] for c in cells]) for i, g in enumerate(spec.sensitive)}
    cols[_WINDOW] = np.zeros(n, dtype=np.int64)
    if spec.prediction:
        cols[_PRED] = labelled["prediction"].to_numpy(dtype=float).astype(np.int64)
    if spec.score:
        cols[_SCORE] = labelled["score"].to_numpy(dtype=float)
    cols[_LABEL] = labelled["label"].to_numpy(dtype=float).astype(np.int64)
    base = pd.DataFrame(cols)
    if spec.score:
        base = base.iloc[canonical_order(base[_SCORE].to_numpy(), cols[_WINDOW], 1)]
        base = base.reset_index(drop=True)
    tally = split_windows(build_tally(base, tally_spec), 1)[0]
    if tally is not None and window.outputs is not None:
        tally = _align(tally, window.outputs, spec.sensitive)
    return replace(window, labelled=tally, n_labelled=n)


def _column(values: Sequence[Any]) -> pd.Series:
    return pd.Series(list(values), dtype=object).infer_objects()


def _align(tally: Tally, like: Tally, groups: Sequence[str]) -> Tally:
    """Group columns typed as in the window's other Tally (values read back from storage
    may come as a narrower type, e.g. whole floats as ints)."""
    cells = tally.cells
    for g in groups:
        want = like.cells.schema.field(g).type
        if cells.schema.field(g).type != want:
            index = cells.schema.get_field_index(g)
            cells = cells.set_column(index, g, cells[g].cast(want))
    return replace(tally, cells=pa.table(cells))
