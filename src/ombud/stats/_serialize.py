"""Store a Tally as Parquet (for tools) or JSON (for people and diffs), losslessly.

The Tally is evidence an auditor recomputes from, so a round trip must give back the very same
numbers: Parquet keeps Arrow types bit for bit; JSON writes floats with Python's shortest
round-tripping repr and stores each column's Arrow type, temporal values as integers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ombud.stats._errors import TallyError
from ombud.stats._tally import Tally

FORMAT = "ombud.tally"
VERSION = 1
_META_KEY = b"ombud.tally"

_SIMPLE_TYPES: dict[str, pa.DataType] = {
    "int64": pa.int64(),
    "double": pa.float64(),
    "string": pa.string(),
    "bool": pa.bool_(),
    "null": pa.null(),
    "date32[day]": pa.date32(),
}


def _layout(tally: Tally) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": tally.kind,
        "group_columns": list(tally.group_columns),
        "window_column": tally.window_column,
        "has_prediction": tally.has_prediction,
        "score_edges": None if tally.score_edges is None else list(tally.score_edges),
        "multiclass": tally.multiclass,
        "dropped_rows": tally.dropped_rows,
        "dropped_weight": tally.dropped_weight,
        "suppressed_cells": tally.suppressed_cells,
        "provenance": dict(tally.provenance),
    }


def _from_layout(layout: dict[str, Any], cells: pa.Table) -> Tally:
    if layout.get("format") != FORMAT or layout.get("version") != VERSION:
        raise TallyError(
            f"not an {FORMAT} v{VERSION} document (format={layout.get('format')!r}, "
            f"version={layout.get('version')!r})"
        )
    edges = layout["score_edges"]
    return Tally(
        cells=cells,
        kind=layout["kind"],
        group_columns=tuple(layout["group_columns"]),
        window_column=layout["window_column"],
        has_prediction=bool(layout["has_prediction"]),
        score_edges=None if edges is None else tuple(float(e) for e in edges),
        multiclass=bool(layout["multiclass"]),
        dropped_rows=int(layout["dropped_rows"]),
        dropped_weight=float(layout["dropped_weight"]),
        suppressed_cells=int(layout["suppressed_cells"]),
        provenance={str(k): str(v) for k, v in layout.get("provenance", {}).items()},
    )


def to_parquet(tally: Tally, path: str | Path) -> None:
    """Write the cells with the layout in the file's schema metadata."""
    meta = {_META_KEY: json.dumps(_layout(tally)).encode()}
    pq.write_table(tally.cells.replace_schema_metadata(meta), str(path))


def read_parquet(path: str | Path) -> Tally:
    try:
        table = pq.read_table(str(path))
    except (OSError, pa.ArrowInvalid) as exc:
        raise TallyError(f"cannot read Tally file {str(path)!r}: {exc}") from exc
    meta = table.schema.metadata or {}
    if _META_KEY not in meta:
        raise TallyError(f"{str(path)!r} is a Parquet file but not an Ombud Tally (no metadata)")
    return _from_layout(json.loads(meta[_META_KEY]), table.replace_schema_metadata(None))


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return f"timestamp[us, tz={t.tz}]" if t.tz else "timestamp[us]"
    name = str(t)
    if name not in _SIMPLE_TYPES:
        raise TallyError(f"column type {t} cannot be written to JSON")
    return name


def _parse_type(name: str) -> pa.DataType:
    if name in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[name]
    if name == "timestamp[us]":
        return pa.timestamp("us")
    if name.startswith("timestamp[us, tz=") and name.endswith("]"):
        return pa.timestamp("us", tz=name[len("timestamp[us, tz=") : -1])
    raise TallyError(f"unknown column type {name!r} in Tally JSON")


def to_json(tally: Tally) -> str:
    columns = []
    for name in tally.cells.column_names:
        col = tally.cells[name]
        type_name = _type_name(col.type)
        if pa.types.is_date(col.type):
            col = col.cast(pa.int32())
        elif pa.types.is_timestamp(col.type):
            col = col.cast(pa.int64())
        columns.append({"name": name, "type": type_name, "values": col.to_pylist()})
    return json.dumps({**_layout(tally), "columns": columns}, allow_nan=False)


def from_json(text: str) -> Tally:
    try:
        doc = json.loads(text)
        arrays = {}
        for column in doc["columns"]:
            target = _parse_type(column["type"])
            if pa.types.is_date(target):
                arr = pa.array(column["values"], pa.int32()).cast(target)
            elif pa.types.is_timestamp(target):
                arr = pa.array(column["values"], pa.int64()).cast(target)
            else:
                arr = pa.array(column["values"], target)
            arrays[column["name"]] = arr
    except (KeyError, TypeError, json.JSONDecodeError, pa.ArrowInvalid) as exc:
        raise TallyError(f"malformed Tally JSON: {exc}") from exc
    return _from_layout(doc, pa.table(arrays))
