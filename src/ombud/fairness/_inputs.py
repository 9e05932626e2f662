"""From whatever the caller has (a frame, a file, a query, a Tally) to the audit's Tally.

Checks that cost nothing on the grouped result happen after the one pass (missing values are
counted by the pass itself), and every problem becomes one line naming what and where, raised
as an error of this package so the CLI can show it without a traceback.
"""

from __future__ import annotations

import glob as globlib
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ombud.fairness._errors import (
    AuditInputError,
    MissingColumnsError,
    MissingValuesError,
    SingleGroupError,
)
from ombud.records import sha256_bytes, sha256_file
from ombud.stats import (
    ClassificationSpec,
    Tally,
    TallyError,
    build_tally,
    build_tally_sql,
    to_json,
    uniform_edges,
)

__all__ = ["Provenance", "SQLSource", "TallyRequest", "as_columns", "audit_tally"]


class Provenance(Mapping[str, Any]):
    """Where the data came from; the content hash is computed on first read.

    Hashing a large input costs as much as a fast aggregation over it, and only evidence and
    reports need it, so it waits until someone reads ``provenance["sha256"]`` (or exports).
    """

    def __init__(self, data: dict[str, Any], digest: Callable[[], str]) -> None:
        self._data = data
        self._digest: Callable[[], str] | None = digest

    def _resolve(self) -> dict[str, Any]:
        if self._digest is not None:
            self._data["sha256"] = self._digest()
            self._digest = None
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._resolve()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolve())

    def __len__(self) -> int:
        return len(self._resolve())

    def __repr__(self) -> str:
        return f"Provenance({self._data!r}, hashed={self._digest is None})"


@dataclass(frozen=True)
class SQLSource:
    """A DuckDB query to audit; the aggregation runs inside DuckDB (on ``connection`` if set)."""

    query: str
    connection: duckdb.DuckDBPyConnection | None = None
    description: str = ""


@dataclass(frozen=True)
class TallyRequest:
    label: str | None
    prediction: str | None
    score: str | None
    threshold: float | None
    sensitive: tuple[str, ...]
    control: tuple[str, ...]
    weights: str | None
    pos_label: Any
    on_missing: str
    score_bins: int


def as_columns(value: str | Sequence[str] | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    out = tuple(str(v) for v in value)
    if len(set(out)) != len(out):
        raise AuditInputError(f"{what} lists a column twice: {list(out)}")
    return out


def _edges(req: TallyRequest) -> tuple[float, ...]:
    edges = set(uniform_edges(req.score_bins))
    if req.threshold is not None and 0.0 < req.threshold < 1.0:
        edges.add(float(req.threshold))
    return tuple(sorted(edges))


def _check_request(req: TallyRequest) -> None:
    if not req.sensitive:
        raise AuditInputError("sensitive= must name at least one column (e.g. 'race')")
    overlap = set(req.sensitive) & set(req.control)
    if overlap:
        raise AuditInputError(f"{sorted(overlap)} cannot be both sensitive and control columns")
    if req.on_missing not in ("raise", "drop"):
        raise AuditInputError(f"on_missing must be 'raise' or 'drop', got {req.on_missing!r}")
    if req.threshold is not None:
        if req.score is None:
            raise AuditInputError("threshold= needs score= (the column it applies to)")
        if req.prediction is not None:
            raise AuditInputError("pass either prediction= or score= with threshold=, not both")
        if not 0.0 <= req.threshold <= 1.0:
            raise AuditInputError(f"threshold must lie in [0, 1], got {req.threshold}")
    elif req.prediction is None:
        raise AuditInputError("pass prediction= (a 0/1 decision column) or score= with threshold=")


def _spec(req: TallyRequest) -> ClassificationSpec:
    if req.label is None:
        raise AuditInputError("label= must name the column with the observed outcome")
    try:
        return ClassificationSpec(
            label=req.label,
            prediction=req.prediction,
            score=req.score,
            groups=(*req.control, *req.sensitive),
            weight=req.weights,
            pos_label=req.pos_label,
            score_bins=_edges(req) if req.score else 100,
            on_missing="drop",
        )
    except TallyError as exc:
        raise AuditInputError(str(exc)) from exc


def audit_tally(data: Any, req: TallyRequest) -> tuple[Tally, Provenance]:
    """The audit's Tally (group columns: control, then sensitive) and its provenance."""
    _check_request(req)
    if isinstance(data, Tally):
        tally = _from_tally(data, req)
        provenance = Provenance({"source": "Tally"}, lambda: _tally_hash(tally))
    else:
        spec = _spec(req)
        try:
            if isinstance(data, SQLSource):
                tally = build_tally_sql(data.query, spec, data.connection)
            else:
                tally = build_tally(data, spec)
        except TallyError as exc:
            message = str(exc)
            if "missing column" in message:
                raise MissingColumnsError(message) from exc
            raise AuditInputError(message) from exc
        provenance = _provenance(data, spec, tally)
    if tally.dropped_rows and req.on_missing == "raise":
        raise MissingValuesError(
            f"{tally.dropped_rows} row(s) have a missing (NULL/NaN) label, prediction or score; "
            "pass on_missing='drop' to drop and count them, or fix the data"
        )
    _check_groups(tally, req.sensitive)
    if req.weights is not None and not tally.total_weight > 0:
        raise AuditInputError(
            f"weights column {req.weights!r} is zero on every row audited, so no row would "
            "count; check the column, or leave the weights out to weigh rows equally"
        )
    provenance._data["rows_used"] = tally.n_rows
    provenance._data["rows_dropped_missing"] = tally.dropped_rows
    return tally, provenance


def _from_tally(tally: Tally, req: TallyRequest) -> Tally:
    wanted = (*req.control, *req.sensitive)
    missing = [c for c in wanted if c not in tally.group_columns]
    if missing:
        raise MissingColumnsError(
            f"the Tally has no group column(s) {missing}; it has {list(tally.group_columns)}"
        )
    if tally.kind != "classification" or tally.multiclass:
        raise AuditInputError("a fairness audit needs a binary classification Tally")
    if req.threshold is not None and tally.score_edges is None:
        raise AuditInputError("threshold= needs a Tally built with score=")
    if req.threshold is None and not tally.has_prediction:
        raise AuditInputError("this Tally has scores only; pass threshold=")
    if tally.window_column is not None:
        raise AuditInputError("audit a Tally without a time window (merge the windows first)")
    return tally.marginalize(wanted) if set(tally.group_columns) != set(wanted) else tally


def _check_groups(tally: Tally, sensitive: tuple[str, ...]) -> None:
    if tally.n_rows == 0:
        raise AuditInputError("no rows to audit (the data is empty, or every row was dropped)")
    for column in sensitive:
        values = tally.cells[column].unique()
        if len(values) < 2:
            shown = values.to_pylist()[:1]
            raise SingleGroupError(
                f"sensitive column {column!r} has one group only ({shown}); a disparity needs "
                "at least two groups"
            )


def _tally_hash(tally: Tally) -> str:
    return sha256_bytes(to_json(tally).encode())


def _provenance(data: Any, spec: ClassificationSpec, tally: Tally) -> Provenance:
    columns = sorted(set(spec.columns.values()))
    out: dict[str, Any] = {"columns": columns}
    digest: Callable[[], str]
    if isinstance(data, str | Path):
        path = str(data)
        has_glob = any(c in path for c in "*?[")
        files = sorted(globlib.glob(path, recursive=True)) if has_glob else [path]
        out["source"] = path
        out["files"] = len(files)

        def digest() -> str:
            digests = [sha256_file(f) for f in files]
            return digests[0] if len(digests) == 1 else sha256_bytes("".join(digests).encode())

    elif isinstance(data, SQLSource):
        out["source"] = "SQL query"
        out["query"] = data.query
        if data.description:
            out["description"] = data.description

        def digest() -> str:
            return _tally_hash(tally)

    else:
        out["source"] = type(data).__name__

        def digest() -> str:
            return _frame_hash(data, columns, tally)

    return Provenance(out, digest)


def _frame_hash(data: Any, columns: list[str], tally: Tally) -> str:
    """Content hash of the columns read, for pandas frames; else the hash of the Tally."""
    try:
        if isinstance(data, pd.DataFrame):
            hashed = pd.util.hash_pandas_object(data[columns], index=False).to_numpy()
            return hashlib.sha256(hashed.tobytes()).hexdigest()
    except (TypeError, ValueError):
        pass
    return _tally_hash(tally)
